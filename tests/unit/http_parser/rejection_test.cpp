#include <gtest/gtest.h>

#include <string>

#include "parse_helpers.hpp"

// Every ambiguous-framing vector is refused, whole or fed byte by byte. The comment on each
// group says whether Beast 1.74 refuses it by itself (see beast_baseline_test.cpp) or the
// plugin does on top of it.
namespace proxy::plugins::http_parser::test {
namespace {

using namespace std::string_literals;

void expect_head_refused(MessageKind kind, const std::string& wire, int status) {
  for (const std::size_t step : {0, 1}) {
    const Parsed p = parse(kind, wire, {}, step);
    EXPECT_EQ(p.head_status, ParseStatus::error) << "step " << step;
    EXPECT_EQ(p.error.status, status) << "step " << step;
    EXPECT_FALSE(p.error.reason.empty());
  }
}

void expect_request_refused(const std::string& wire) {
  expect_head_refused(MessageKind::request, wire, 400);
}

void expect_response_refused(const std::string& wire) {
  expect_head_refused(MessageKind::response, wire, 502);
}

void expect_body_refused(MessageKind kind, const std::string& wire, int status) {
  for (const std::size_t step : {0, 1}) {
    const Parsed p = parse(kind, wire, {}, step);
    ASSERT_EQ(p.head_status, ParseStatus::done) << "step " << step;
    EXPECT_EQ(p.body_status, ParseStatus::error) << "step " << step;
    EXPECT_EQ(p.error.status, status) << "step " << step;
  }
}

void expect_chunked_request_refused(const std::string& body) {
  expect_body_refused(MessageKind::request,
                      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body,
                      400);
}

// ---- refused on top of Beast (Beast 1.74 accepts these) -------------------------------

TEST(Rejection, ObsFold) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n");
}

TEST(Rejection, ObsFoldWithTab) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n");
}

TEST(Rejection, ObsFoldHidingTransferEncoding) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nX: y\r\n Transfer-Encoding: chunked\r\nContent-Length: "
      "3\r\n\r\n");
}

TEST(Rejection, TransferEncodingNotEndingInChunked) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
}

TEST(Rejection, TransferEncodingWithoutChunked) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n");
}

TEST(Rejection, TransferEncodingUnknownCoding) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n");
}

TEST(Rejection, TransferEncodingUnknownCodingBeforeChunked) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n");
}

TEST(Rejection, TransferEncodingEmptyElement) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n");
}

TEST(Rejection, TransferEncodingChunkedTwiceInOneField) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n");
}

TEST(Rejection, TransferEncodingInHttp10) {
  expect_request_refused("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(Rejection, NonChunkedTransferEncodingWithContentLength) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n");
}

TEST(Rejection, DuplicateIdenticalContentLength) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
}

TEST(Rejection, ContentLengthList) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n");
}

TEST(Rejection, DuplicateHost) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
}

TEST(Rejection, BareLfEndingTheHead) {
  // Beast would wait for more bytes forever; refused as soon as the LF arrives.
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\n\n");
}

TEST(Rejection, BareLfLineEnds) {
  expect_request_refused("GET / HTTP/1.1\nHost: a\n\n");
}

TEST(Rejection, StatusOutOfRange) {
  expect_response_refused("HTTP/1.1 099 Odd\r\n\r\n");
}

TEST(Rejection, EmptyLineBeforeStatusLine) {
  expect_response_refused("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

// ---- refused by Beast 1.74 itself (and often earlier by the head scanner) ----------------

TEST(Rejection, ContentLengthWithTransferEncoding) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(Rejection, TransferEncodingWithContentLength) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n");
}

TEST(Rejection, DuplicateDifferingContentLength) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
}

TEST(Rejection, ContentLengthWithSign) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n");
}

TEST(Rejection, ContentLengthNegative) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
}

TEST(Rejection, ContentLengthOverflow) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n");
}

TEST(Rejection, TransferEncodingChunkedInTwoFields) {
  expect_request_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
      "chunked\r\n\r\n");
}

TEST(Rejection, BareLfInsideHeaderLine) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n");
}

TEST(Rejection, BareCr) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n");
}

TEST(Rejection, BareCrBeforeEndOfHead) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n\r\n");
}

TEST(Rejection, SpaceBeforeColon) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n");
}

TEST(Rejection, TabBeforeColon) {
  expect_request_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n");
}

TEST(Rejection, WhitespaceBeforeFirstField) {
  expect_request_refused("GET / HTTP/1.1\r\n Host: a\r\n\r\n");
}

TEST(Rejection, NulInValue) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s);
}

TEST(Rejection, NulInName) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\nX\0: ab\r\n\r\n"s);
}

TEST(Rejection, NulInTarget) {
  expect_request_refused("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n"s);
}

TEST(Rejection, ControlCharacterInValue) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n");
}

TEST(Rejection, DelInValue) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n");
}

TEST(Rejection, EmptyFieldName) {
  expect_request_refused("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n");
}

TEST(Rejection, UnsupportedVersion) {
  expect_request_refused("GET / HTTP/2.0\r\nHost: a\r\n\r\n");
}

TEST(Rejection, LowercaseVersion) {
  expect_request_refused("GET / http/1.1\r\nHost: a\r\n\r\n");
}

TEST(Rejection, MissingTarget) {
  expect_request_refused("GET HTTP/1.1\r\nHost: a\r\n\r\n");
}

TEST(Rejection, ResponseObsFold) {
  expect_response_refused("HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n");
}

TEST(Rejection, ResponseContentLengthWithTransferEncoding) {
  expect_response_refused(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n");
}

TEST(Rejection, ResponseDuplicateContentLength) {
  expect_response_refused("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
}

TEST(Rejection, ResponseUnknownCoding) {
  expect_response_refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n");
}

TEST(Rejection, ResponseBadStatusLine) {
  expect_response_refused("HTTP/1.1 20 OK\r\n\r\n");
}

// ---- chunked bodies ---------------------------------------------------------------------

TEST(Rejection, ChunkSizeOverflow) {
  expect_chunked_request_refused("ffffffffffffffffff\r\n");
}

TEST(Rejection, ChunkSizeOverflowByOneDigit) {
  expect_chunked_request_refused("10000000000000000\r\n");
}

TEST(Rejection, ChunkSizeNotHex) {
  expect_chunked_request_refused("zz\r\n");
}

TEST(Rejection, ChunkSizeEmpty) {
  expect_chunked_request_refused("\r\nabc\r\n0\r\n\r\n");
}

TEST(Rejection, ChunkSizeNegative) {
  expect_chunked_request_refused("-5\r\nhello\r\n0\r\n\r\n");
}

TEST(Rejection, ChunkSizeWithHexPrefix) {
  expect_chunked_request_refused("0x5\r\nhello\r\n0\r\n\r\n");
}

TEST(Rejection, ChunkSizeTrailingWhitespace) {
  expect_chunked_request_refused("5 \r\nhello\r\n0\r\n\r\n");
}

TEST(Rejection, ChunkSizeBareLf) {
  expect_chunked_request_refused("5\nhello\r\n0\r\n\r\n");
}

TEST(Rejection, ChunkSizeBareCr) {
  expect_chunked_request_refused("5\rhello\r\n0\r\n\r\n");
}

TEST(Rejection, ChunkDataWithoutCrlf) {
  expect_chunked_request_refused("5\r\nhelloXX0\r\n\r\n");
}

TEST(Rejection, ChunkDataBareLf) {
  expect_chunked_request_refused("5\r\nhello\n0\r\n\r\n");
}

TEST(Rejection, ChunkExtensionWithoutName) {
  expect_chunked_request_refused("5;\r\nhello\r\n");
}

TEST(Rejection, ChunkExtensionWithControlByte) {
  expect_chunked_request_refused("5;a=\"b\x01\"\r\nhello\r\n");
}

TEST(Rejection, ChunkExtensionBareLfInQuotedString) {
  expect_chunked_request_refused("5;a=\"b\nc\"\r\nhello\r\n");
}

TEST(Rejection, ChunkExtensionTooLong) {
  expect_chunked_request_refused("5;a=" + std::string(ChunkedFramer::max_chunk_line, 'x') +
                                 "\r\nhello\r\n");
}

TEST(Rejection, LastChunkBareLf) {
  expect_chunked_request_refused("0\n\r\n");
}

TEST(Rejection, FinalCrlfBareLf) {
  expect_chunked_request_refused("0\r\n\n");
}

TEST(Rejection, TrailerObsFold) {
  expect_chunked_request_refused("0\r\nA: b\r\n c\r\n\r\n");
}

TEST(Rejection, TrailerWithoutColon) {
  expect_chunked_request_refused("0\r\nNoColon\r\n\r\n");
}

TEST(Rejection, TrailerSpaceBeforeColon) {
  expect_chunked_request_refused("0\r\nA : b\r\n\r\n");
}

TEST(Rejection, TrailerNul) {
  expect_chunked_request_refused("0\r\nA: \0\r\n\r\n"s);
}

TEST(Rejection, TrailerSectionTooLarge) {
  ParseOptions options;
  options.max_header_bytes = 256;
  const std::string wire = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" +
                           std::string("X: ") + std::string(300, 'v') + "\r\n\r\n";
  const Parsed p = parse_request(wire, options);
  ASSERT_EQ(p.head_status, ParseStatus::done);
  EXPECT_EQ(p.body_status, ParseStatus::error);
  EXPECT_EQ(p.error.status, 400);
}

TEST(Rejection, ChunkedResponseErrorIs502) {
  expect_body_refused(MessageKind::response,
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
                      502);
}

}  // namespace
}  // namespace proxy::plugins::http_parser::test
