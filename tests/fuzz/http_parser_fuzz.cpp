// Fuzz target for the http_parser plugin's core: arbitrary bytes as a request and as a
// response, through parse_head, parse_body and finish, the way the host drives them. One
// target for both kinds: fuzzed apart for 60 s each, they reached the coverage this one
// reaches in 120 s, so splitting would only make the CI run longer.
//
// Input layout: byte 0 picks the parse options, byte 1 the feed size, the rest is the
// message. Every input is parsed twice, all at once and in small feeds, and both runs must
// agree: framing must not depend on how the bytes were split into reads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "message_parser.hpp"

namespace {

using proxy::plugins::http_parser::MessageParser;
namespace sdk = proxy::sdk;

struct Outcome {
  sdk::ParseStatus head_status = sdk::ParseStatus::need_more;
  std::size_t head_consumed = 0;
  sdk::HttpHead head;
  sdk::ParseStatus body_status = sdk::ParseStatus::need_more;
  std::size_t body_consumed = 0;
  sdk::ParseStatus finish_status = sdk::ParseStatus::need_more;
  sdk::ParseError error;
};

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

// Feeds `wire` in pieces of `step` bytes: the head as a growing buffer, the body as fresh
// bytes with consumed ones dropped.
Outcome drive(sdk::MessageKind kind, const sdk::ParseOptions& options, std::string_view wire,
              std::size_t step) {
  MessageParser parser(kind, options);
  Outcome out;
  std::size_t received = 0;
  do {
    received = std::min(wire.size(), received + step);
    std::size_t consumed = 0;
    out.head_status = parser.parse_head(wire.substr(0, received), consumed, out.head, out.error);
    check(consumed <= received, "head consumed more than it was given");
    check(out.head_status == sdk::ParseStatus::done || consumed == 0,
          "head consumed bytes without finishing");
    out.head_consumed = consumed;
  } while (out.head_status == sdk::ParseStatus::need_more && received < wire.size());

  if (out.head_status == sdk::ParseStatus::done) {
    check(out.head_consumed > 0, "empty head");
    check(out.head.version == 10 || out.head.version == 11, "odd version");
    std::string pending(wire.substr(out.head_consumed, received - out.head_consumed));
    for (;;) {
      std::size_t consumed = 0;
      out.body_status = parser.parse_body(pending, consumed, out.error);
      check(consumed <= pending.size(), "body consumed more than it was given");
      if (out.body_status == sdk::ParseStatus::need_more) {
        check(consumed == pending.size(), "need_more left bytes unconsumed");
      }
      out.body_consumed += consumed;
      pending.erase(0, consumed);
      if (out.body_status != sdk::ParseStatus::need_more || received == wire.size()) {
        break;
      }
      const std::size_t next = std::min(wire.size(), received + step);
      pending.append(wire.substr(received, next - received));
      received = next;
    }
    if (out.head.body == sdk::BodyKind::content_length &&
        out.body_status == sdk::ParseStatus::done) {
      check(out.body_consumed == out.head.content_length, "Content-Length body miscounted");
    }
  }
  out.finish_status = parser.finish(out.error);
  if (out.head_status == sdk::ParseStatus::error || out.body_status == sdk::ParseStatus::error) {
    check(out.finish_status == sdk::ParseStatus::error, "error not sticky");
    check(out.error.status == 400 || out.error.status == 431 || out.error.status == 502,
          "unexpected error status");
  }
  return out;
}

void compare(const Outcome& a, const Outcome& b) {
  check(a.head_status == b.head_status, "head status depends on the split");
  check(a.head_consumed == b.head_consumed, "head length depends on the split");
  check(a.body_status == b.body_status, "body status depends on the split");
  // After an error the connection is closed, so how much went before it does not matter.
  if (a.body_status != sdk::ParseStatus::error) {
    check(a.body_consumed == b.body_consumed, "body length depends on the split");
  }
  check(a.finish_status == b.finish_status, "finish depends on the split");
  check(a.error.status == b.error.status, "error status depends on the split");
  if (a.head_status == sdk::ParseStatus::done) {
    check(a.head.headers == b.head.headers, "fields depend on the split");
    check(a.head.body == b.head.body, "framing depends on the split");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::uint8_t flags = data[0];
  const std::size_t step = static_cast<std::size_t>(data[1] % 64) + 1;
  const std::string_view wire(reinterpret_cast<const char*>(data + 2), size - 2);

  sdk::ParseOptions options;
  options.response_to_head = (flags & 0x01U) != 0;
  options.response_to_connect = (flags & 0x02U) != 0;
  // Small limits too, so the 431 paths are reachable with short inputs.
  static constexpr std::uint64_t header_bytes[] = {16384, 48, 200, 1024};
  options.max_header_bytes = header_bytes[(flags >> 2U) & 0x03U];
  options.max_headers = (flags & 0x10U) != 0 ? 3 : 100;

  for (const auto kind : {sdk::MessageKind::request, sdk::MessageKind::response}) {
    const Outcome whole = drive(kind, options, wire, std::max<std::size_t>(wire.size(), 1));
    const Outcome pieces = drive(kind, options, wire, step);
    compare(whole, pieces);
  }
  return 0;
}
