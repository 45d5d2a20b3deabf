// Fuzz target for the PROXY protocol header parser (core/proxy_protocol). The input is
// what a peer sends first. Checks that a final answer on a prefix holds for the whole
// input, that need_more never asks for a byte past the end of the header the whole input
// turns out to hold, that reading as the session does (never more than asked) takes off
// exactly the header, and that the header stays within the bounds of its version.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "proxy_protocol/proxy_header_parser.hpp"

namespace {

using proxy::fuzz::check;
using proxy::proxy_protocol::HeaderResult;
using proxy::proxy_protocol::HeaderStatus;
using proxy::proxy_protocol::parse_proxy_header;

bool same(const HeaderResult& a, const HeaderResult& b) {
  return a.status == b.status && a.bytes == b.bytes && a.version == b.version &&
         a.proxied == b.proxied;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const HeaderResult whole = parse_proxy_header(input);
  switch (whole.status) {
    case HeaderStatus::done:
      check(whole.bytes >= 15 && whole.bytes <= size, "a header length outside the input");
      check(whole.version == 1 || whole.version == 2, "a header without a version");
      check(whole.version != 1 || whole.bytes <= proxy::proxy_protocol::v1_max_bytes,
            "a version 1 line over 107 bytes");
      check(whole.version != 2 || whole.bytes <= proxy::proxy_protocol::v2_max_bytes,
            "a version 2 header over its bound");
      check(same(parse_proxy_header(input.first(whole.bytes)), whole),
            "bytes after the header changed the answer");
      break;
    case HeaderStatus::need_more:
      check(whole.bytes >= 1, "need_more without a count");
      break;
    case HeaderStatus::invalid:
      check(!whole.error.empty(), "a refusal without an error text");
      break;
  }

  for (std::size_t cut = 0; cut < size; cut += 1 + cut / 8) {
    const HeaderResult part = parse_proxy_header(input.first(cut));
    if (part.status != HeaderStatus::need_more) {
      check(same(part, whole), "a final answer changed with more bytes");
      continue;
    }
    check(part.bytes >= 1, "need_more without a count");
    if (whole.status == HeaderStatus::done) {
      check(cut + part.bytes <= whole.bytes, "need_more asked past the header's end");
    }
  }

  // The session's reads: each takes at most what the parser asks for.
  std::size_t taken = 0;
  HeaderResult read = parse_proxy_header(input.first(0));
  while (read.status == HeaderStatus::need_more && taken < size) {
    taken += std::min(read.bytes, size - taken);
    read = parse_proxy_header(input.first(taken));
  }
  if (read.status == HeaderStatus::done) {
    check(same(read, whole) && taken == whole.bytes, "reading took more than the header");
  } else if (read.status == HeaderStatus::invalid) {
    check(whole.status == HeaderStatus::invalid, "reading refused what the whole accepts");
  }
  return 0;
}
