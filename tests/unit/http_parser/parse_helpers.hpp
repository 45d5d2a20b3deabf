#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "message_parser.hpp"
#include "proxy/sdk/http_parser.hpp"

// Drives a MessageParser the way the host does: the head is re-passed as a growing buffer,
// body bytes are handed over as they arrive and consumed bytes are dropped.
namespace proxy::plugins::http_parser::test {

using sdk::BodyKind;
using sdk::MessageKind;
using sdk::ParseOptions;
using sdk::ParseStatus;

struct Parsed {
  ParseStatus head_status = ParseStatus::need_more;
  std::size_t head_consumed = 0;
  sdk::HttpHead head;
  ParseStatus body_status = ParseStatus::need_more;
  std::size_t body_consumed = 0;  // total over all parse_body calls
  sdk::ParseError error;
  std::string rest;  // bytes after the message, left for the next one
};

// Feeds `wire` in pieces of `step` bytes (0: all at once) to a fresh parser.
inline Parsed parse(MessageKind kind, std::string_view wire, ParseOptions options = {},
                    std::size_t step = 0) {
  const std::size_t piece = step == 0 ? std::max<std::size_t>(wire.size(), 1) : step;
  MessageParser parser(kind, options);
  Parsed out;
  std::size_t received = 0;
  do {
    received = std::min(wire.size(), received + piece);
    out.head_status =
        parser.parse_head(wire.substr(0, received), out.head_consumed, out.head, out.error);
  } while (out.head_status == ParseStatus::need_more && received < wire.size());
  if (out.head_status != ParseStatus::done) {
    return out;
  }
  // What arrived with the head beyond it is the start of the body.
  std::string pending(wire.substr(out.head_consumed, received - out.head_consumed));
  for (;;) {
    std::size_t consumed = 0;
    out.body_status = parser.parse_body(pending, consumed, out.error);
    out.body_consumed += consumed;
    pending.erase(0, consumed);
    if (out.body_status != ParseStatus::need_more || received == wire.size()) {
      break;
    }
    const std::size_t next = std::min(wire.size(), received + piece);
    pending.append(wire.substr(received, next - received));
    received = next;
  }
  out.rest = pending + std::string(wire.substr(received));
  return out;
}

inline Parsed parse_request(std::string_view wire, ParseOptions options = {},
                            std::size_t step = 0) {
  return parse(MessageKind::request, wire, options, step);
}

inline Parsed parse_response(std::string_view wire, ParseOptions options = {},
                             std::size_t step = 0) {
  return parse(MessageKind::response, wire, options, step);
}

}  // namespace proxy::plugins::http_parser::test
