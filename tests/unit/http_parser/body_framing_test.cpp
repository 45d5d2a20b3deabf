#include <gtest/gtest.h>

#include <string>

#include "parse_helpers.hpp"

namespace proxy::plugins::http_parser::test {
namespace {

const std::string chunked_head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(BodyFraming, ChunkedWithExtensionsAndTrailers) {
  const std::string body =
      "5;name=value;flag\r\nhello\r\n"
      "A ; q=\"quo\\\"ted; x\"\r\n0123456789\r\n"
      "0;last\r\nChecksum: abc\r\nX-Other:\t1\r\n\r\n";
  const Parsed p = parse_request(chunked_head + body + "GET / HTTP/1.1\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, body.size());
  EXPECT_EQ(p.rest, "GET / HTTP/1.1\r\n");
}

TEST(BodyFraming, ChunkedFedByteByByte) {
  const std::string body = "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n";
  const Parsed p = parse_request(chunked_head + body + "NEXT", {}, 1);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, body.size());
  EXPECT_EQ(p.rest, "NEXT");
}

TEST(BodyFraming, ContentLengthFedByteByByte) {
  const std::string head = "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n";
  const Parsed p = parse_request(head + "0123456789" + "GET", {}, 1);
  ASSERT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 10U);
  EXPECT_EQ(p.rest, "GET");
}

TEST(BodyFraming, ChunkedUppercaseHexAndLeadingZeros) {
  const std::string body = "000A\r\n0123456789\r\n00\r\n\r\n";
  const Parsed p = parse_request(chunked_head + body);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, body.size());
}

TEST(BodyFraming, LargestChunkSizeIsCountedNotRefused) {
  MessageParser parser(MessageKind::request, {});
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  ASSERT_EQ(parser.parse_head(chunked_head, consumed, head, error), ParseStatus::done);
  EXPECT_EQ(parser.parse_body("ffffffffffffffff\r\nabc", consumed, error), ParseStatus::need_more);
  EXPECT_EQ(consumed, 21U);
}

TEST(BodyFraming, FinishMidContentLengthIsAnError) {
  MessageParser parser(MessageKind::request, {});
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  ASSERT_EQ(parser.parse_head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", consumed,
                              head, error),
            ParseStatus::done);
  ASSERT_EQ(parser.parse_body("abc", consumed, error), ParseStatus::need_more);
  EXPECT_EQ(parser.finish(error), ParseStatus::error);
  EXPECT_EQ(error.status, 400);
}

TEST(BodyFraming, FinishMidChunkedResponseIs502) {
  MessageParser parser(MessageKind::response, {});
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  ASSERT_EQ(parser.parse_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", consumed,
                              head, error),
            ParseStatus::done);
  ASSERT_EQ(parser.parse_body("5\r\nab", consumed, error), ParseStatus::need_more);
  EXPECT_EQ(parser.finish(error), ParseStatus::error);
  EXPECT_EQ(error.status, 502);
}

TEST(BodyFraming, FinishBeforeHeadIsAnError) {
  MessageParser parser(MessageKind::request, {});
  sdk::ParseError error;
  EXPECT_EQ(parser.finish(error), ParseStatus::error);
  EXPECT_EQ(error.status, 400);
}

TEST(BodyFraming, FinishAfterCompleteMessageIsDone) {
  MessageParser parser(MessageKind::request, {});
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  ASSERT_EQ(parser.parse_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n", consumed, head, error),
            ParseStatus::done);
  EXPECT_EQ(parser.parse_body("GET /next", consumed, error), ParseStatus::done);
  EXPECT_EQ(consumed, 0U);
  EXPECT_EQ(parser.finish(error), ParseStatus::done);
}

TEST(BodyFraming, BodyBeforeHeadIsAnError) {
  MessageParser parser(MessageKind::request, {});
  std::size_t consumed = 0;
  sdk::ParseError error;
  EXPECT_EQ(parser.parse_body("x", consumed, error), ParseStatus::error);
}

TEST(BodyFraming, ErrorsAreSticky) {
  MessageParser parser(MessageKind::request, {});
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  ASSERT_EQ(parser.parse_head(chunked_head, consumed, head, error), ParseStatus::done);
  ASSERT_EQ(parser.parse_body("zz\r\n", consumed, error), ParseStatus::error);
  EXPECT_EQ(consumed, 0U);
  sdk::ParseError again;
  EXPECT_EQ(parser.parse_body("0\r\n\r\n", consumed, again), ParseStatus::error);
  EXPECT_EQ(again.reason, error.reason);
  EXPECT_EQ(parser.finish(again), ParseStatus::error);
}

}  // namespace
}  // namespace proxy::plugins::http_parser::test
