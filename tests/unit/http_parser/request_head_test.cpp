#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "parse_helpers.hpp"

namespace proxy::plugins::http_parser::test {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

TEST(RequestHead, AbsoluteFormGet) {
  const std::string wire =
      "GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
  const Parsed p = parse_request(wire);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head_consumed, wire.size());
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.target, "http://example.com/a?b=c");
  EXPECT_EQ(p.head.version, 11);
  EXPECT_EQ(p.head.headers, (Headers{{"Host", "example.com"}, {"User-Agent", "t"}}));
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_EQ(p.head.body, BodyKind::none);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 0U);
}

TEST(RequestHead, ConnectAuthorityForm) {
  const Parsed p =
      parse_request("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.method, "CONNECT");
  EXPECT_EQ(p.head.target, "example.com:443");
  EXPECT_EQ(p.head.body, BodyKind::none);
}

TEST(RequestHead, NamesAndValuesAsSentInOrder) {
  const Parsed p = parse_request(
      "GET / HTTP/1.1\r\nhOsT: a\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Empty:\r\nX-Pad: \t v w \t\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(
      p.head.headers,
      (Headers{{"hOsT", "a"}, {"X-Dup", "1"}, {"x-dup", "2"}, {"X-Empty", ""}, {"X-Pad", "v w"}}));
}

TEST(RequestHead, UnknownMethodKeptAsSent) {
  const Parsed p = parse_request("PROPFIND /x HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.method, "PROPFIND");
}

TEST(RequestHead, Http10DefaultsToClose) {
  const Parsed p = parse_request("GET http://a/ HTTP/1.0\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.version, 10);
  EXPECT_FALSE(p.head.keep_alive);
}

TEST(RequestHead, Http10KeepAlive) {
  const Parsed p = parse_request("GET http://a/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_TRUE(p.head.keep_alive);
}

TEST(RequestHead, ConnectionClose) {
  const Parsed p = parse_request("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_FALSE(p.head.keep_alive);
}

TEST(RequestHead, PostWithContentLength) {
  const std::string head = "POST http://a/form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
  const Parsed p = parse_request(head + "hello");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head_consumed, head.size());
  EXPECT_EQ(p.head.body, BodyKind::content_length);
  EXPECT_EQ(p.head.content_length, 5U);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 5U);
  EXPECT_EQ(p.rest, "");
}

TEST(RequestHead, ContentLengthZeroIsNoBody) {
  const Parsed p = parse_request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::none);
  EXPECT_EQ(p.body_status, ParseStatus::done);
}

TEST(RequestHead, HugeContentLengthIsAccepted) {
  // Beast's default request body limit must not leak into the proxy's framing.
  const Parsed p =
      parse_request("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::content_length);
  EXPECT_EQ(p.head.content_length, 18446744073709551615ULL);
}

TEST(RequestHead, ChunkedRequest) {
  const Parsed p =
      parse_request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::chunked);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 5U);
}

TEST(RequestHead, ChunkedAfterOtherCodingsIsChunked) {
  const Parsed p = parse_request(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: "
      "CHUNKED\r\n\r\n");
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.body, BodyKind::chunked);
}

TEST(RequestHead, LeadingEmptyLinesAreSkippedAndConsumed) {
  const std::string wire = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const Parsed p = parse_request(wire);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head_consumed, wire.size());
  EXPECT_EQ(p.head.method, "GET");
}

TEST(RequestHead, NeedMoreUntilTheEmptyLine) {
  MessageParser parser(MessageKind::request, {});
  std::size_t consumed = 99;
  sdk::HttpHead head;
  sdk::ParseError error;
  EXPECT_EQ(parser.parse_head("GET / HTTP/1.1\r\nHost: a\r\n", consumed, head, error),
            ParseStatus::need_more);
  EXPECT_EQ(consumed, 0U);
  EXPECT_EQ(parser.parse_head("GET / HTTP/1.1\r\nHost: a\r\n\r", consumed, head, error),
            ParseStatus::need_more);
  EXPECT_EQ(parser.parse_head("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY", consumed, head, error),
            ParseStatus::done);
  EXPECT_EQ(consumed, 27U);
}

TEST(RequestHead, SplitIntoManySmallFeeds) {
  const std::string wire =
      "POST http://example.com/upload HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
      "Content-Length: 3\r\n\r\nabc";
  for (std::size_t step = 1; step <= 7; ++step) {
    const Parsed p = parse_request(wire, {}, step);
    ASSERT_EQ(p.head_status, ParseStatus::done) << "step " << step;
    EXPECT_EQ(p.head.target, "http://example.com/upload");
    EXPECT_EQ(p.head.headers.size(), 3U);
    EXPECT_EQ(p.body_status, ParseStatus::done);
    EXPECT_EQ(p.body_consumed, 3U);
  }
}

TEST(RequestHead, PipelinedSecondRequestNotConsumed) {
  const std::string first = "GET http://a/1 HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string second = "GET http://a/2 HTTP/1.1\r\nHost: a\r\n\r\n";
  const Parsed p = parse_request(first + second);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head_consumed, first.size());
  EXPECT_EQ(p.rest, second);

  const Parsed next = parse_request(p.rest);
  ASSERT_EQ(next.head_status, ParseStatus::done);
  EXPECT_EQ(next.head.target, "http://a/2");
}

TEST(RequestHead, PipelinedAfterContentLengthBody) {
  const std::string first = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd";
  const std::string second = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::size_t step : {0, 1, 3}) {
    const Parsed p = parse_request(first + second, {}, step);
    ASSERT_EQ(p.body_status, ParseStatus::done);
    EXPECT_EQ(p.body_consumed, 4U);
    EXPECT_EQ(p.rest, second) << "step " << step;
  }
}

TEST(RequestHead, ParseHeadTwiceIsAnError) {
  MessageParser parser(MessageKind::request, {});
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  const std::string wire = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(parser.parse_head(wire, consumed, head, error), ParseStatus::done);
  EXPECT_EQ(parser.parse_head(wire, consumed, head, error), ParseStatus::error);
}

}  // namespace
}  // namespace proxy::plugins::http_parser::test
