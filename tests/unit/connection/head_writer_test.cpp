#include "connection/head_writer.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::core::client_response_head;
using proxy::core::error_response;
using proxy::core::HeaderPairs;
using proxy::core::upstream_request_head;

TEST(UpstreamRequestHead, StripsHopByHopAndAddsVia) {
  const HeaderPairs headers = {{"Host", "wrong.example"},
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
      upstream_request_head("POST", "/upload?x=1", 11, headers, "example.com:8080");
  EXPECT_EQ(head.rfind("POST /upload?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n", 0), 0U);
  for (const char* gone : {"wrong.example", "Connection", "X-Secret", "Proxy-Connection",
                           "Keep-Alive", "TE:", "Trailer", "Upgrade", "Proxy-Authorization"}) {
    EXPECT_EQ(head.find(gone), std::string::npos) << gone;
  }
  EXPECT_NE(head.find("Accept: */*\r\n"), std::string::npos);
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(head.find("Via: 1.0 other, 1.1 proxy-server\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(ClientResponseHead, MarksCloseAndKeepsFraming) {
  const HeaderPairs headers = {{"Content-Length", "5"}, {"Keep-Alive", "timeout=5"}};
  const std::string head = client_response_head(200, "OK", 11, headers, true);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(head.find("Keep-Alive"), std::string::npos);
}

TEST(ErrorResponse, IsACompleteShortMessage) {
  const std::string response = error_response(403, "blocked domain", true);
  EXPECT_EQ(response.rfind("HTTP/1.1 403 Forbidden\r\n", 0), 0U);
  const std::string body = "403 Forbidden: blocked domain\n";
  EXPECT_NE(response.find("Content-Length: " + std::to_string(body.size())), std::string::npos);
  EXPECT_EQ(response.substr(response.size() - body.size()), body);
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
}

}  // namespace
