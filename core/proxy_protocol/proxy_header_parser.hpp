#pragma once

// Reads the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a
// load balancer sends first on a connection, to tell which client it relays.
//
// Strict: a header that does not follow the specification exactly is `invalid`, and the
// caller closes the connection; nothing is guessed or repaired.
//
// Bounded: a version 1 line has at most v1_max_bytes, CRLF included; a version 2 header
// at most v2_max_bytes, its TLVs included.
//
// Exact: while the header is incomplete, the result says how many more bytes it needs at
// least. Reading no more than that never takes a byte past the header's end, so the
// client's first request stays in the socket for whoever reads it next.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace proxy::proxy_protocol {

// "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n", the longest line the
// specification allows.
inline constexpr std::size_t v1_max_bytes = 107;
// The signature, version and command, family and protocol, and the length.
inline constexpr std::size_t v2_fixed_bytes = 16;
// What may follow: the addresses (at most 216 bytes, for AF_UNIX) and the TLVs. The TLVs
// HAProxy and the cloud balancers send (ALPN, authority up to 255 bytes, unique ID up to
// 128, CRC32C, SSL with its sub-TLVs, a VPC endpoint or link ID) add up to well under a
// kilobyte; 2048 leaves room for all of them at once while a connection that has not yet
// shown its client holds at most about 2 KiB.
inline constexpr std::size_t v2_max_payload = 2048;
inline constexpr std::size_t v2_max_bytes = v2_fixed_bytes + v2_max_payload;

// An IP address in network byte order, and a port.
struct Endpoint {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> address{};  // IPv4 uses the first 4 bytes
  std::uint16_t port = 0;

  bool operator==(const Endpoint&) const = default;
};

// The connection as the balancer accepted it: the client and the address it dialled.
struct ProxiedConnection {
  Endpoint source;
  Endpoint destination;

  bool operator==(const ProxiedConnection&) const = default;
};

enum class HeaderStatus {
  need_more,  // a prefix of what may still be a valid header: read `bytes` more, call again
  done,       // a complete, valid header of `bytes` bytes
  invalid,    // not a valid header, whatever follows: close the connection
};

struct HeaderResult {
  HeaderStatus status = HeaderStatus::need_more;
  // need_more: how many more bytes the header needs at least (>= 1); reading at most that
  // many never reads past its end. done: the header's length; the connection's own bytes
  // start right after it.
  std::size_t bytes = 0;
  int version = 0;  // 1 or 2 once the first byte showed it; 0 before and when invalid
  // done: what the balancer reports, or none when the connection's own endpoints stand: a
  // version 2 LOCAL command (a health check), version 1 UNKNOWN, and the families this
  // receiver does not take a client from (AF_UNSPEC, AF_UNIX, and UDP), which the
  // specification says to treat as UNSPEC.
  std::optional<ProxiedConnection> proxied;
  std::string_view error;  // invalid: static text naming the problem
};

// Parses `bytes`, everything read from the connection so far, from its first byte. Call
// again with the longer buffer after each read while the status is need_more. A status
// other than need_more is final: more bytes never change it. Bytes after a complete
// header are not looked at.
//
// Thread-safe (no shared state); allocates nothing.
HeaderResult parse_proxy_header(std::span<const std::uint8_t> bytes);

}  // namespace proxy::proxy_protocol
