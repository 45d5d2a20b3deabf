#include "connection/http_message_parser.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace proxy::core {
namespace {

std::string_view view(proxy_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

bool valid_view(proxy_str s) {
  return s.ptr != nullptr || s.len == 0;
}

// What a parser plugin wrote into a head must describe a message the core can act on;
// anything else is the plugin's bug, and the core must not read past what it was given.
const char* invalid_head(const proxy_http_head& head, proxy_http_message_kind kind,
                         const proxy_parse_options& options) {
  if (!valid_view(head.method) || !valid_view(head.target) || !valid_view(head.reason)) {
    return "a null view with a length";
  }
  if (head.header_count > 0 && head.headers == nullptr) {
    return "headers missing";
  }
  if (head.header_count > options.max_headers) {
    return "more headers than limits.max_headers";
  }
  for (std::size_t i = 0; i < head.header_count; ++i) {
    if (!valid_view(head.headers[i].name) || !valid_view(head.headers[i].value)) {
      return "a null header view with a length";
    }
  }
  if (head.version != 10 && head.version != 11) {
    return "a version other than 1.0 or 1.1";
  }
  if (head.body_kind > PROXY_BODY_UNTIL_CLOSE ||
      (kind == PROXY_HTTP_REQUEST && head.body_kind == PROXY_BODY_UNTIL_CLOSE)) {
    return "an unknown body framing";
  }
  if (kind == PROXY_HTTP_REQUEST ? head.method.len == 0 || head.target.len == 0
                                 : head.status < 100 || head.status > 999) {
    return "a request without method or target, or a status outside 100-999";
  }
  return nullptr;
}

}  // namespace

HttpMessageParser::HttpMessageParser(const proxy_http_parser_api& api, proxy_http_message_kind kind,
                                     const proxy_parse_options& options)
    : api_(api), kind_(kind), options_(options), message_(api.create(api.self, kind, &options)) {
  if (message_ == nullptr) {
    failure_ = {kind == PROXY_HTTP_REQUEST ? 500 : 502, "HTTP parser unavailable"};
  }
}

HttpMessageParser::~HttpMessageParser() {
  if (message_ != nullptr) {
    api_.destroy(message_);
  }
}

ParseResult HttpMessageParser::plugin_broke(const char* what) {
  spdlog::error("HTTP parser plugin returned {}; failing the message", what);
  failure_ = {kind_ == PROXY_HTTP_REQUEST ? 500 : 502, "HTTP parser returned an invalid result"};
  return ParseResult::error;
}

ParseResult HttpMessageParser::read_status(std::uint32_t status, const proxy_parse_error& error) {
  if (status == PROXY_PARSE_DONE) {
    return ParseResult::done;
  }
  if (status == PROXY_PARSE_NEED_MORE) {
    return ParseResult::need_more;
  }
  if (status != PROXY_PARSE_ERROR) {
    return plugin_broke("an unknown parse status");
  }
  const std::size_t len = std::min<std::size_t>(error.reason_len, PROXY_REASON_MAX);
  failure_ = {static_cast<int>(error.status), std::string(error.reason, len)};
  if (failure_.status < 400 || failure_.status > 599) {
    failure_.status = 400;
  }
  return ParseResult::error;
}

ParseResult HttpMessageParser::parse_head(std::string_view input, std::size_t& consumed,
                                          ParsedHead& head) {
  if (message_ == nullptr) {
    return ParseResult::error;
  }
  proxy_http_head out{};
  out.size = sizeof(out);
  proxy_parse_error error{};
  error.size = sizeof(error);
  consumed = 0;
  const ParseResult result = read_status(
      api_.parse_head(message_, {input.data(), input.size()}, &consumed, &out, &error), error);
  if (result != ParseResult::done) {
    return result;
  }
  if (consumed == 0 || consumed > input.size()) {
    consumed = 0;
    return plugin_broke("a head length outside the input");
  }
  if (const char* problem = invalid_head(out, kind_, options_)) {
    consumed = 0;
    return plugin_broke(problem);
  }
  head.method = view(out.method);
  head.target = view(out.target);
  head.status = static_cast<int>(out.status);
  head.reason = view(out.reason);
  head.version = static_cast<int>(out.version);
  head.headers.clear();
  head.headers.reserve(out.header_count);
  for (std::size_t i = 0; i < out.header_count; ++i) {
    if (!head.headers.add(view(out.headers[i].name), view(out.headers[i].value))) {
      consumed = 0;
      return plugin_broke("an invalid header field");
    }
  }
  head.body = static_cast<proxy_body_kind>(out.body_kind);
  head.content_length = out.content_length;
  head.keep_alive = out.keep_alive != 0;
  return result;
}

ParseResult HttpMessageParser::parse_body(std::string_view input, std::size_t& consumed) {
  if (message_ == nullptr) {
    return ParseResult::error;
  }
  proxy_parse_error error{};
  error.size = sizeof(error);
  consumed = 0;
  const ParseResult result = read_status(
      api_.parse_body(message_, {input.data(), input.size()}, &consumed, &error), error);
  if (consumed > input.size()) {
    consumed = 0;
    return plugin_broke("a body length outside the input");
  }
  return result;
}

ParseResult HttpMessageParser::finish() {
  if (message_ == nullptr) {
    return ParseResult::error;
  }
  proxy_parse_error error{};
  error.size = sizeof(error);
  return read_status(api_.finish(message_, &error), error);
}

}  // namespace proxy::core
