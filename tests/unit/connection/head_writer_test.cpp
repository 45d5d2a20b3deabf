#include "connection/head_writer.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::core::client_response_head;
using proxy::core::connection_nominates_framing;
using proxy::core::error_response;
using proxy::core::received_head;
using proxy::core::ResponseHeadOptions;
using proxy::core::status_text;
using proxy::core::upstream_request_head;
using proxy::host::HeaderList;

bool has(const std::string& head, const std::string& text) {
  return head.find(text) != std::string::npos;
}

TEST(UpstreamRequestHead, StripsHopByHopAndAddsVia) {
  const HeaderList headers = {{"Host", "wrong.example"},
                              {"Connection", "close, X-Secret"},
                              {"X-Secret", "1"},
                              {"Proxy-Connection", "keep-alive"},
                              {"Keep-Alive", "timeout=5"},
                              {"TE", "trailers"},
                              {"Trailer", "X-T"},
                              {"Upgrade", "websocket"},
                              {"Proxy-Authorization", "Basic abc"},
                              {"Accept", "*/*"},
                              {"Via", "1.0 other"},
                              {"Transfer-Encoding", "chunked"}};
  const std::string head =
      upstream_request_head("POST", "/upload?x=1", headers,
                            received_head(headers, PROXY_BODY_CHUNKED, 0, 11), "example.com:8080");
  EXPECT_EQ(head.rfind("POST /upload?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n", 0), 0U);
  for (const char* gone : {"wrong.example", "Connection", "X-Secret", "Proxy-Connection",
                           "Keep-Alive", "TE:", "Trailer", "Upgrade", "Proxy-Authorization"}) {
    EXPECT_FALSE(has(head, gone)) << gone;
  }
  EXPECT_TRUE(has(head, "Accept: */*\r\n"));
  EXPECT_TRUE(has(head, "Transfer-Encoding: chunked\r\n"));
  EXPECT_TRUE(has(head, "Via: 1.0 other, 1.1 proxy-server\r\n"));
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(UpstreamRequestHead, ToAParentAbsoluteFormWithItsCredentialsNotTheClients) {
  const HeaderList headers = {{"Proxy-Authorization", "Basic Y2xpZW50OnB3"}, {"Accept", "*/*"}};
  const std::string head = upstream_request_head("GET", "http://example.com:8080/a?b", headers,
                                                 received_head(headers, PROXY_BODY_NONE, 0, 11),
                                                 "example.com:8080", {}, "Basic cGFyZW50OnB3");
  EXPECT_EQ(head.rfind("GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com:8080\r\n"
                       "Proxy-Authorization: Basic cGFyZW50OnB3\r\n",
                       0),
            0U);
  EXPECT_FALSE(has(head, "Y2xpZW50OnB3"));  // the client's own is hop-by-hop
  EXPECT_EQ(head.find("Proxy-Authorization"), head.rfind("Proxy-Authorization"));
  EXPECT_TRUE(has(head, "Accept: */*\r\n"));
}

TEST(ParentConnectHead, AsksForTheTargetWithCredentialsWhenGiven) {
  EXPECT_EQ(proxy::core::parent_connect_head("[::1]:443", "Basic dTpw"),
            "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n"
            "Proxy-Authorization: Basic dTpw\r\nVia: 1.1 proxy-server\r\n\r\n");
  EXPECT_EQ(proxy::core::parent_connect_head("example.com:443", ""),
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
            "Via: 1.1 proxy-server\r\n\r\n");
}

TEST(ConnectionOptions, NamingAFramingFieldOrHostIsDetected) {
  for (const char* option : {"Content-Length", "transfer-encoding", "close, HOST", " Host "}) {
    EXPECT_TRUE(connection_nominates_framing({{"Connection", option}})) << option;
  }
  EXPECT_FALSE(connection_nominates_framing({{"Connection", "close, X-Content-Length"}}));
  EXPECT_FALSE(connection_nominates_framing({{"X-Connection", "Content-Length"}}));
}

TEST(UpstreamRequestHead, FramingComesFromWhatWasParsedNotFromEditedFields) {
  const HeaderList received = {{"Content-Length", "44"}};
  // A plugin removed Content-Length and added a chunked Transfer-Encoding: the body is
  // still relayed as 44 bytes, so the head must say so.
  const HeaderList edited = {{"Transfer-Encoding", "chunked"}, {"X-Edited", "1"}};
  const std::string head = upstream_request_head(
      "POST", "/", edited, received_head(received, PROXY_BODY_CONTENT_LENGTH, 44, 11), "o:80");
  EXPECT_TRUE(has(head, "Content-Length: 44\r\n"));
  EXPECT_FALSE(has(head, "Transfer-Encoding"));
  EXPECT_TRUE(has(head, "X-Edited: 1\r\n"));
}

TEST(UpstreamRequestHead, KeepsAnEmptyBodysContentLength) {
  const HeaderList received = {{"Content-Length", "0"}};
  const std::string head = upstream_request_head(
      "POST", "/", received, received_head(received, PROXY_BODY_NONE, 0, 11), "o:80");
  EXPECT_TRUE(has(head, "Content-Length: 0\r\n"));
  const HeaderList none;
  EXPECT_FALSE(has(
      upstream_request_head("GET", "/", none, received_head(none, PROXY_BODY_NONE, 0, 11), "o:80"),
      "Content-Length"));
}

TEST(UpstreamRequestHead, ChunkedWritesTheReceivedCodings) {
  const HeaderList received = {{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}};
  const std::string head = upstream_request_head(
      "POST", "/", received, received_head(received, PROXY_BODY_CHUNKED, 0, 11), "o:80");
  EXPECT_TRUE(has(head, "Transfer-Encoding: gzip, chunked\r\n"));
  EXPECT_EQ(head.find("Transfer-Encoding"), head.rfind("Transfer-Encoding"));
}

TEST(ClientResponseHead, MarksCloseAndKeepsFraming) {
  const HeaderList headers = {{"Content-Length", "5"}, {"Keep-Alive", "timeout=5"}};
  const std::string head =
      client_response_head(200, "OK", headers, received_head(headers, PROXY_BODY_CONTENT_LENGTH, 5),
                           ResponseHeadOptions{false, true, {}});
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  EXPECT_TRUE(has(head, "Content-Length: 5\r\n"));
  EXPECT_TRUE(has(head, "Connection: close\r\n"));
  EXPECT_FALSE(has(head, "Keep-Alive"));
}

TEST(ClientResponseHead, ConnectionNamingTheFramingKeepsTheFraming) {
  const HeaderList headers = {
      {"Connection", "Content-Length, X-Hop"}, {"Content-Length", "5"}, {"X-Hop", "1"}};
  const std::string head = client_response_head(
      200, "OK", headers, received_head(headers, PROXY_BODY_CONTENT_LENGTH, 5), {});
  EXPECT_TRUE(has(head, "Content-Length: 5\r\n"));
  EXPECT_FALSE(has(head, "X-Hop"));
}

TEST(ClientResponseHead, NoFramingOn204And1xxAndOnlyLengthOn304) {
  const HeaderList chunked = {{"Transfer-Encoding", "chunked"}, {"Content-Length", "9"}};
  for (int status : {100, 103, 204}) {
    const std::string head =
        client_response_head(status, "", chunked, received_head(chunked, PROXY_BODY_NONE, 0), {});
    EXPECT_FALSE(has(head, "Transfer-Encoding")) << status;
    EXPECT_FALSE(has(head, "Content-Length")) << status;
  }
  const std::string not_modified =
      client_response_head(304, "", chunked, received_head(chunked, PROXY_BODY_NONE, 0), {});
  EXPECT_TRUE(has(not_modified, "HTTP/1.1 304 Not Modified\r\n"));
  EXPECT_TRUE(has(not_modified, "Content-Length: 9\r\n"));
  EXPECT_FALSE(has(not_modified, "Transfer-Encoding"));
}

TEST(ClientResponseHead, HeadResponseKeepsItsDescriptiveLength) {
  const HeaderList headers = {{"Content-Length", "1234"}};
  const std::string head =
      client_response_head(200, "OK", headers, received_head(headers, PROXY_BODY_NONE, 0),
                           ResponseHeadOptions{true, false, {}});
  EXPECT_TRUE(has(head, "Content-Length: 1234\r\n"));
}

TEST(ClientResponseHead, CloseDelimitedKeepsNonChunkedCodings) {
  const HeaderList headers = {{"Transfer-Encoding", "gzip"}};
  const std::string head =
      client_response_head(200, "OK", headers, received_head(headers, PROXY_BODY_UNTIL_CLOSE, 0),
                           ResponseHeadOptions{false, true, {}});
  EXPECT_TRUE(has(head, "Transfer-Encoding: gzip\r\n"));
}

TEST(ErrorResponse, IsACompleteShortMessage) {
  const std::string response = error_response(403, "blocked domain", true);
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0U);
  const std::string body = "403 Forbidden: blocked domain\n";
  EXPECT_TRUE(has(response, "Content-Length: " + std::to_string(body.size())));
  EXPECT_EQ(response.substr(response.size() - body.size()), body);
  EXPECT_TRUE(has(response, "Connection: close\r\n"));
}

TEST(StatusText, KnowsTheStatusesItMeetsAndSaysUnknownOtherwise) {
  EXPECT_EQ(status_text(508), "Loop Detected");
  EXPECT_EQ(status_text(201), "Created");
  EXPECT_EQ(status_text(204), "No Content");
  EXPECT_EQ(status_text(301), "Moved Permanently");
  EXPECT_EQ(status_text(304), "Not Modified");
  EXPECT_EQ(status_text(307), "Temporary Redirect");
  EXPECT_EQ(status_text(100), "Continue");
  EXPECT_EQ(status_text(505), "HTTP Version Not Supported");
  EXPECT_EQ(status_text(299), "Unknown");
  EXPECT_EQ(status_text(0), "Unknown");
}

}  // namespace
