#pragma once

#include <string>
#include <utility>

#include "proxy/sdk/http_parser.hpp"

// Which status a refused message turns into. A bad request is the client's fault (400, or
// 431 for an oversized head); a bad response is the upstream's, so the client sees 502.
namespace proxy::plugins::http_parser {

inline sdk::ParseError malformed(sdk::MessageKind kind, std::string reason) {
  return {kind == sdk::MessageKind::request ? 400 : 502, std::move(reason)};
}

inline sdk::ParseError head_too_large(sdk::MessageKind kind, std::string reason) {
  return {kind == sdk::MessageKind::request ? 431 : 502, std::move(reason)};
}

}  // namespace proxy::plugins::http_parser
