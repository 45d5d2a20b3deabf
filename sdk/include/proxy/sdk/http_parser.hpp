#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/sdk/abi.h"

// The HTTP/1 parser capability. The core has no HTTP parsing of its own: exactly one
// enabled plugin provides this (the bundled `http_parser`), and the core refuses to start
// without one.
namespace proxy::sdk {

enum class MessageKind : std::uint32_t {
  request = PROXY_HTTP_REQUEST,
  response = PROXY_HTTP_RESPONSE,
};

enum class ParseStatus : std::uint32_t {
  need_more = PROXY_PARSE_NEED_MORE,
  done = PROXY_PARSE_DONE,
  error = PROXY_PARSE_ERROR,
};

enum class BodyKind : std::uint32_t {
  none = PROXY_BODY_NONE,
  content_length = PROXY_BODY_CONTENT_LENGTH,
  chunked = PROXY_BODY_CHUNKED,
  until_close = PROXY_BODY_UNTIL_CLOSE,
};

struct ParseOptions {
  std::uint64_t max_header_bytes = 16384;
  std::uint64_t max_headers = 100;
  bool response_to_head = false;
  bool response_to_connect = false;
};

// Why a message was refused, and the status the proxy answers with (400, 431, 502 ...).
struct ParseError {
  int status = 400;
  std::string reason;
};

struct HttpHead {
  std::string method;  // requests
  std::string target;
  int status = 0;  // responses
  std::string reason;
  int version = 11;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyKind body = BodyKind::none;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
};

// Parses one message: its head, then its body framing.
//
// @par Thread Safety
// One object is used by one thread at a time.
class HttpMessageParser {
 public:
  virtual ~HttpMessageParser() = default;
  // `input` is everything buffered for the head so far. On done, `consumed` is the head's
  // length and `head` is filled.
  virtual ParseStatus parse_head(std::string_view input, std::size_t& consumed, HttpHead& head,
                                 ParseError& error) = 0;
  // `consumed` is how many bytes of `input` belong to this message's body (framing
  // included); done when the message ends.
  virtual ParseStatus parse_body(std::string_view input, std::size_t& consumed,
                                 ParseError& error) = 0;
  // The peer closed: done when that ends the message cleanly.
  virtual ParseStatus finish(ParseError& error) = 0;
};

// @par Thread Safety
// create() is called concurrently from every io thread.
class HttpParser {
 public:
  virtual ~HttpParser() = default;
  virtual std::unique_ptr<HttpMessageParser> create(MessageKind kind,
                                                    const ParseOptions& options) = 0;
};

}  // namespace proxy::sdk
