// Fuzz target for the TLS ClientHello peek parser (core/tls). Byte 0 picks the peek limit,
// the rest is the stream. Checks that a final answer on a prefix holds for the whole input,
// that need_more's hint never asks for more than a hello needs, and that a parsed server
// name is a lowercase host name.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "tls/client_hello_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using proxy::fuzz::check;
  using proxy::tls::PeekStatus;
  if (size == 0) {
    return 0;
  }
  const std::size_t max_bytes = data[0] == 0 ? 64 * 1024 : std::size_t{data[0]} * 64;
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  const auto whole = proxy::tls::parse_client_hello(stream, max_bytes);
  if (whole.status == PeekStatus::need_more) {
    check(whole.bytes_needed_hint >= 1, "need_more without a hint");
  } else if (whole.status == PeekStatus::client_hello) {
    check(whole.hello.sni.size() <= 255, "server name too long");
    for (const char c : whole.hello.sni) {
      check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.',
            "server name has a character outside lowercase LDH");
    }
  } else {
    check(!whole.error.empty(), "failure without an error text");
  }

  for (std::size_t cut = 0; cut < stream.size(); cut += 1 + cut / 4) {
    const auto part = proxy::tls::parse_client_hello(stream.first(cut), max_bytes);
    if (part.status != PeekStatus::need_more) {
      check(part.status == whole.status, "a final answer changed with more bytes");
      check(part.hello == whole.hello, "the parsed hello changed with more bytes");
      continue;
    }
    // The hint says a complete hello needs that many more bytes (a refusal may come sooner).
    const std::size_t short_of_hint = std::min(stream.size(), cut + part.bytes_needed_hint - 1);
    if (short_of_hint > cut) {
      const auto shorter = proxy::tls::parse_client_hello(stream.first(short_of_hint), max_bytes);
      check(shorter.status != PeekStatus::client_hello, "a hello came before the hint said");
    }
  }
  return 0;
}
