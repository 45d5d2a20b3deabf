#include "connection/http_message_parser.hpp"

namespace proxy::core {
namespace {

std::string_view view(proxy_str s) {
  return {s.ptr, s.len};
}

}  // namespace

HttpMessageParser::HttpMessageParser(const proxy_http_parser_api& api, proxy_http_message_kind kind,
                                     const proxy_parse_options& options)
    : api_(api), message_(api.create(api.self, kind, &options)) {
  if (message_ == nullptr) {
    failure_ = {kind == PROXY_HTTP_REQUEST ? 500 : 502, "HTTP parser unavailable"};
  }
}

HttpMessageParser::~HttpMessageParser() {
  if (message_ != nullptr) {
    api_.destroy(message_);
  }
}

ParseResult HttpMessageParser::read_status(std::uint32_t status, const proxy_parse_error& error) {
  if (status == PROXY_PARSE_DONE) {
    return ParseResult::done;
  }
  if (status == PROXY_PARSE_NEED_MORE) {
    return ParseResult::need_more;
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
  head.method = view(out.method);
  head.target = view(out.target);
  head.status = static_cast<int>(out.status);
  head.reason = view(out.reason);
  head.version = static_cast<int>(out.version);
  head.headers.clear();
  head.headers.reserve(out.header_count);
  for (std::size_t i = 0; i < out.header_count; ++i) {
    head.headers.emplace_back(view(out.headers[i].name), view(out.headers[i].value));
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
  return read_status(api_.parse_body(message_, {input.data(), input.size()}, &consumed, &error),
                     error);
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
