#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

// What Beast's parser does on its own with each ambiguous-framing vector. The plugin's
// own checks exist because of the "accepts" cases; if a Boost upgrade changes one of
// these, revisit the checks rather than the expectation.
namespace {

using namespace std::string_literals;

namespace http = boost::beast::http;

enum class Verdict { accepts, refuses, waits };

template <bool is_request_message, class Body = http::empty_body>
Verdict beast_verdict(const std::string& wire) {
  http::parser<is_request_message, Body> parser;
  parser.eager(!std::is_same_v<Body, http::empty_body>);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  boost::beast::error_code ec;
  parser.put(boost::asio::const_buffer(wire.data(), wire.size()), ec);
  if (ec == http::error::need_more) {
    return Verdict::waits;
  }
  return ec ? Verdict::refuses : Verdict::accepts;
}

Verdict request(const std::string& wire) {
  return beast_verdict<true>(wire);
}

Verdict chunked_request(const std::string& body) {
  return beast_verdict<true, http::string_body>(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
}

TEST(BeastBaseline, AcceptsWhatThePluginRefuses) {
  EXPECT_EQ(request("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n"), Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
            Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nTransfer-Encoding: , chunked\r\n\r\n"), Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n"),
            Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            Verdict::accepts);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n"), Verdict::accepts);
  EXPECT_EQ(request("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), Verdict::accepts);
  EXPECT_EQ(beast_verdict<false>("HTTP/1.1 099 Odd\r\n\r\n"), Verdict::accepts);
}

TEST(BeastBaseline, WaitsOnABareLfEndingTheHead) {
  EXPECT_EQ(request("GET / HTTP/1.1\r\nHost: a\r\n\n"), Verdict::waits);
}

TEST(BeastBaseline, RefusesOnItsOwn) {
  EXPECT_EQ(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Verdict::refuses);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
            Verdict::refuses);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            Verdict::refuses);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"), Verdict::refuses);
  EXPECT_EQ(request("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"), Verdict::refuses);
  EXPECT_EQ(request("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), Verdict::refuses);
  EXPECT_EQ(request("GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\n"), Verdict::refuses);
  EXPECT_EQ(request("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"s), Verdict::refuses);
  EXPECT_EQ(chunked_request("ffffffffffffffffff\r\n"), Verdict::refuses);
  EXPECT_EQ(chunked_request("zz\r\n"), Verdict::refuses);
  EXPECT_EQ(chunked_request("5\nhello\r\n0\r\n\r\n"), Verdict::refuses);
}

}  // namespace
