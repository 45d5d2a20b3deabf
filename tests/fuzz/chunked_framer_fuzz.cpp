// Fuzz target for the http_parser plugin's ChunkedFramer: arbitrary bytes as a chunked
// body. Byte 0 picks the trailer limit, byte 1 the feed size, the rest is the body.
//
// The body is fed all at once and in pieces, and both runs must agree on the outcome, on
// where the body ends (or which byte was refused) and on the reason: the framer must not
// depend on how the bytes were split into reads. An end is sticky, and a finished body
// ends with the CRLF of the last trailer line and the final CRLF.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chunked_framer.hpp"
#include "fuzz_check.hpp"

namespace {

using proxy::fuzz::check;
using proxy::plugins::http_parser::ChunkedFramer;

struct Outcome {
  ChunkedFramer::Result result = ChunkedFramer::Result::need_more;
  std::size_t consumed = 0;  // through the end of the body, or through the refused byte
  std::string reason;
};

Outcome drive(std::uint64_t max_trailer_bytes, std::string_view body, std::size_t step) {
  ChunkedFramer framer(max_trailer_bytes);
  Outcome out;
  for (std::size_t offset = 0; offset < body.size();) {
    const std::string_view piece = body.substr(offset, step);
    std::size_t consumed = 0;
    const char* reason = nullptr;
    out.result = framer.feed(piece, consumed, reason);
    check(consumed <= piece.size(), "consumed more than it was given");
    out.consumed += consumed;
    if (out.result == ChunkedFramer::Result::need_more) {
      check(consumed == piece.size(), "need_more left bytes unconsumed");
      offset += piece.size();
      continue;
    }
    if (out.result == ChunkedFramer::Result::error) {
      check(reason != nullptr && *reason != '\0', "error without a reason");
      out.reason = reason;
    }
    // Whatever comes next belongs to someone else: the answer must not change.
    std::size_t again = 1;
    const char* again_reason = nullptr;
    const auto next = framer.feed(body.substr(offset + consumed), again, again_reason);
    check(next == out.result, "the end is not sticky");
    check(again == 0, "consumed bytes after the end");
    if (next == ChunkedFramer::Result::error) {
      check(again_reason != nullptr && out.reason == again_reason, "the reason changed");
    }
    break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  // Small limits too, so the trailer cap is reachable with short inputs.
  static constexpr std::uint64_t trailer_limits[] = {16384, 0, 8, 64};
  const std::uint64_t max_trailer_bytes = trailer_limits[data[0] % 4];
  const std::size_t step = static_cast<std::size_t>(data[1] % 32) + 1;
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

  const Outcome whole = drive(max_trailer_bytes, body, std::max<std::size_t>(body.size(), 1));
  const Outcome pieces = drive(max_trailer_bytes, body, step);
  check(whole.result == pieces.result, "the outcome depends on the split");
  check(whole.consumed == pieces.consumed, "the end depends on the split");
  check(whole.reason == pieces.reason, "the reason depends on the split");
  if (whole.result == ChunkedFramer::Result::done) {
    check(body.substr(0, whole.consumed).ends_with("\r\n\r\n"),
          "a finished body does not end with CRLF CRLF");
  }
  return 0;
}
