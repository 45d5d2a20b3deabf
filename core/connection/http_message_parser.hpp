#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_host/header_list.hpp"
#include "proxy/sdk/abi.h"

namespace proxy::core {

// The parser plugin's verdict on some bytes, in the core's terms.
enum class ParseResult { need_more, done, error };

struct ParsedHead {
  std::string method;
  std::string target;
  int status = 0;
  std::string reason;
  int version = 11;
  host::HeaderList headers;  // the one list from here to the wire: hooks edit it in place
  proxy_body_kind body = PROXY_BODY_NONE;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
};

struct ParseFailure {
  int status = 400;
  std::string reason;
};

// One message parsed through the HTTP parser capability (proxy_http_parser_api), owned
// RAII. The core has no HTTP parsing of its own: this only forwards to the plugin, and
// checks everything the plugin returns (a parser is third-party code like any plugin): a
// length past the input, an unknown status or framing, null views, more headers than
// the limit all fail the message (500 for a request, 502 for a response), never an
// out-of-bounds read.
class HttpMessageParser {
 public:
  HttpMessageParser(const proxy_http_parser_api& api, proxy_http_message_kind kind,
                    const proxy_parse_options& options);
  HttpMessageParser(const HttpMessageParser&) = delete;
  HttpMessageParser& operator=(const HttpMessageParser&) = delete;
  ~HttpMessageParser();

  // False when the plugin could not create a parser (then every call reports an error).
  bool valid() const { return message_ != nullptr; }

  // `input` is all of the head buffered so far; on done, `consumed` is its length.
  ParseResult parse_head(std::string_view input, std::size_t& consumed, ParsedHead& head);
  // `consumed` bytes of `input` belong to this message's body (framing included).
  ParseResult parse_body(std::string_view input, std::size_t& consumed);
  // The peer closed the connection.
  ParseResult finish();

  const ParseFailure& failure() const { return failure_; }

 private:
  ParseResult read_status(std::uint32_t status, const proxy_parse_error& error);
  ParseResult plugin_broke(const char* what);

  const proxy_http_parser_api& api_;
  proxy_http_message_kind kind_;
  proxy_parse_options options_;
  proxy_http_message* message_ = nullptr;
  ParseFailure failure_;
};

}  // namespace proxy::core
