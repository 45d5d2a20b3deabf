#include <gtest/gtest.h>

#include <string>

#include "parse_helpers.hpp"

namespace proxy::plugins::http_parser::test {
namespace {

std::string request_with_headers(int count) {
  std::string wire = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < count; ++i) {
    wire += "X-" + std::to_string(i) + ": v\r\n";
  }
  return wire + "\r\n";
}

TEST(Limits, HeaderCountAtTheLimitIsAccepted) {
  ParseOptions options;
  options.max_headers = 10;
  const Parsed p = parse_request(request_with_headers(10), options);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.headers.size(), 10U);
}

TEST(Limits, TooManyHeadersIs431) {
  ParseOptions options;
  options.max_headers = 10;
  for (const std::size_t step : {0, 1}) {
    const Parsed p = parse_request(request_with_headers(11), options, step);
    EXPECT_EQ(p.head_status, ParseStatus::error);
    EXPECT_EQ(p.error.status, 431);
  }
}

TEST(Limits, TooManyHeadersRefusedBeforeTheHeadEnds) {
  ParseOptions options;
  options.max_headers = 2;
  MessageParser parser(MessageKind::request, options);
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  EXPECT_EQ(parser.parse_head("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC", consumed, head, error),
            ParseStatus::error);
  EXPECT_EQ(error.status, 431);
}

TEST(Limits, TooManyResponseHeadersIs502) {
  ParseOptions options;
  options.max_headers = 1;
  const Parsed p = parse_response("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", options);
  EXPECT_EQ(p.head_status, ParseStatus::error);
  EXPECT_EQ(p.error.status, 502);
}

TEST(Limits, HeadExactlyAtTheLimitIsAccepted) {
  const std::string wire = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(100, 'v') + "\r\n\r\n";
  ParseOptions options;
  options.max_header_bytes = wire.size();
  for (const std::size_t step : {0, 1}) {
    const Parsed p = parse_request(wire, options, step);
    EXPECT_EQ(p.head_status, ParseStatus::done);
    EXPECT_EQ(p.head_consumed, wire.size());
  }
}

TEST(Limits, HeadOneByteOverTheLimitIs431) {
  const std::string wire = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(100, 'v') + "\r\n\r\n";
  ParseOptions options;
  options.max_header_bytes = wire.size() - 1;
  for (const std::size_t step : {0, 1}) {
    const Parsed p = parse_request(wire, options, step);
    EXPECT_EQ(p.head_status, ParseStatus::error);
    EXPECT_EQ(p.error.status, 431);
  }
}

TEST(Limits, UnfinishedHeadFillingTheLimitIs431) {
  ParseOptions options;
  options.max_header_bytes = 64;
  MessageParser parser(MessageKind::request, options);
  std::size_t consumed = 0;
  sdk::HttpHead head;
  sdk::ParseError error;
  const std::string partial = "GET / HTTP/1.1\r\nX: " + std::string(64, 'v');
  EXPECT_EQ(parser.parse_head(partial.substr(0, 63), consumed, head, error),
            ParseStatus::need_more);
  EXPECT_EQ(parser.parse_head(partial.substr(0, 64), consumed, head, error), ParseStatus::error);
  EXPECT_EQ(error.status, 431);
}

TEST(Limits, BufferAlreadyPastTheLimitIs431) {
  // The host may hand over more than the limit in one read.
  ParseOptions options;
  options.max_header_bytes = 32;
  const Parsed p = parse_request("GET / HTTP/1.1\r\nX: " + std::string(1000, 'v'), options);
  EXPECT_EQ(p.head_status, ParseStatus::error);
  EXPECT_EQ(p.error.status, 431);
}

TEST(Limits, BodyBytesAfterTheHeadDoNotCountAgainstTheLimit) {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 500\r\n\r\n";
  ParseOptions options;
  options.max_header_bytes = head.size();
  const Parsed p = parse_request(head + std::string(500, 'b'), options);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.body_status, ParseStatus::done);
  EXPECT_EQ(p.body_consumed, 500U);
}

TEST(Limits, HugeSingleHeaderValue) {
  // Larger than Beast's 4 KiB obs-fold buffer and its 8 KiB default header limit.
  const std::string wire =
      "GET / HTTP/1.1\r\nHost: a\r\nCookie: " + std::string(12000, 'c') + "\r\n\r\n";
  const Parsed p = parse_request(wire);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.head.headers[1].second.size(), 12000U);
}

}  // namespace
}  // namespace proxy::plugins::http_parser::test
