#include <gtest/gtest.h>

#include <string>

#include "parse_helpers.hpp"

namespace proxy::plugins::http_parser::test {
namespace {

TEST(ResponseHead, StatusReasonAndContentLength) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: s\r\n\r\n";
  const Parsed p = parse_response(head + "hi");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head_consumed, head.size());
  EXPECT_EQ(p.head.status, 200);
  EXPECT_EQ(p.head.reason, "OK");
  EXPECT_EQ(p.head.version, 11);
  EXPECT_EQ(p.head.body, BodyKind::content_length);
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 2U);
}

TEST(ResponseHead, CloseDelimitedBody) {
  MessageParser parser(MessageKind::response, {});
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body";
  ASSERT_EQ(parser.parse_head(wire, consumed, head, error), ParseStatus::done);
  EXPECT_EQ(head.body, BodyKind::until_close);
  EXPECT_FALSE(head.keep_alive);
  EXPECT_EQ(parser.parse_body("some body", consumed, error), ParseStatus::need_more);
  EXPECT_EQ(consumed, 9U);
  EXPECT_EQ(parser.parse_body("more", consumed, error), ParseStatus::need_more);
  EXPECT_EQ(consumed, 4U);
  EXPECT_EQ(parser.finish(error), ParseStatus::done);
}

TEST(ResponseHead, ChunkedResponse) {
  const Parsed p = parse_response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nNEXT");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::chunked);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 13U);
  EXPECT_EQ(p.rest, "NEXT");
}

TEST(ResponseHead, ResponseToHeadHasNoBody) {
  ParseOptions options;
  options.response_to_head = true;
  const Parsed p =
      parse_response("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\n", options);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::none);
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 0U);
  EXPECT_EQ(p.rest, "HTTP/1.1 200 OK\r\n");
}

TEST(ResponseHead, ResponseToHeadChunkedHasNoBody) {
  ParseOptions options;
  options.response_to_head = true;
  const Parsed p = parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", options);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::none);
}

class NoBodyStatus : public ::testing::TestWithParam<int> {};

TEST_P(NoBodyStatus, HasNoBodyWhateverTheFields) {
  const std::string wire = "HTTP/1.1 " + std::to_string(GetParam()) +
                           " Whatever\r\nContent-Length: 10\r\n\r\n0123456789";
  const Parsed p = parse_response(wire);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.status, GetParam());
  EXPECT_EQ(p.head.body, BodyKind::none);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 0U);
  EXPECT_EQ(p.rest, "0123456789");
}

INSTANTIATE_TEST_SUITE_P(Statuses, NoBodyStatus, ::testing::Values(100, 101, 103, 204, 304));

TEST(ResponseHead, InterimResponseThenFinal) {
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  const std::string final_response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  const Parsed p = parse_response(interim + final_response);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.status, 100);
  EXPECT_EQ(p.head_consumed, interim.size());
  EXPECT_EQ(p.rest, final_response);
}

TEST(ResponseHead, ConnectSuccessIsATunnel) {
  ParseOptions options;
  options.response_to_connect = true;
  const Parsed p =
      parse_response("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01", options);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::none);
  EXPECT_EQ(p.body_consumed, 0U);
  EXPECT_EQ(p.rest, "\x16\x03\x01");
}

TEST(ResponseHead, ConnectFailureHasABody) {
  ParseOptions options;
  options.response_to_connect = true;
  const Parsed p = parse_response("HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n\r\nno!", options);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::content_length);
  EXPECT_EQ(p.body_consumed, 3U);
}

TEST(ResponseHead, CodingNotEndingInChunkedIsReadUntilClose) {
  // RFC 9112 §6.3 rule 4 for responses: not refused, delimited by the close.
  const Parsed p = parse_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxx");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::until_close);
  EXPECT_FALSE(p.head.keep_alive);
  EXPECT_EQ(p.body_consumed, 2U);
}

TEST(ResponseHead, Http10Response) {
  const Parsed p = parse_response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.version, 10);
  EXPECT_FALSE(p.head.keep_alive);
  EXPECT_EQ(p.body_consumed, 1U);
}

TEST(ResponseHead, EmptyReason) {
  const Parsed p = parse_response("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.status, 404);
  EXPECT_EQ(p.head.reason, "");
}

TEST(ResponseHead, SplitIntoManySmallFeeds) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n"
      "4;a=b\r\nwxyz\r\n0\r\nT: v\r\n\r\n";
  for (std::size_t step = 1; step <= 5; ++step) {
    const Parsed p = parse_response(wire, {}, step);
    ASSERT_EQ(p.head_status, ParseStatus::done) << "step " << step;
    EXPECT_EQ(p.body_status, ParseStatus::done);
    EXPECT_EQ(p.rest, "");
  }
}

}  // namespace
}  // namespace proxy::plugins::http_parser::test
