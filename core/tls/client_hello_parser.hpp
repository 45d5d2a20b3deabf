#pragma once

// Reads the TLS ClientHello a client sends first inside a CONNECT tunnel, without
// decrypting anything: enough to learn the server name, the offered ALPN protocols and
// the TLS versions before the tunnel is spliced. The bytes are only looked at; the caller
// still forwards all of them upstream unchanged.
//
// Strict on framing: every length is checked against the one that contains it, and a
// hello that a conforming TLS server would reject for its structure is `malformed`, so a
// policy never acts on a name a real server would not have seen.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace proxy::tls {

// Largest plaintext record payload a peer may send (RFC 8446, section 5.1).
inline constexpr std::size_t max_record_payload = 16384;

struct ClientHelloInfo {
  std::string sni;                    // server_name host_name, lowercased; empty when absent
  std::vector<std::string> alpn;      // offered protocols, in the client's order
  std::uint16_t legacy_version = 0;   // ClientHello.legacy_version, e.g. 0x0303
  std::uint16_t highest_version = 0;  // highest non-GREASE supported_versions, else legacy
  bool has_ech = false;  // encrypted_client_hello offered: sni is the outer, public name

  bool operator==(const ClientHelloInfo&) const = default;
};

enum class PeekStatus {
  need_more,     // a prefix of what may still be a ClientHello: read more, call again
  client_hello,  // a complete, well-formed ClientHello: `hello` is filled in
  not_tls,       // the client speaks something else (plain HTTP, SSH, an SSLv2 hello, ...)
  malformed,     // TLS handshake records, but not a well-formed ClientHello
  too_large,     // the ClientHello would need more than max_bytes of the stream
};

struct PeekResult {
  PeekStatus status = PeekStatus::need_more;
  ClientHelloInfo hello;  // only for client_hello
  // need_more: a complete ClientHello needs at least this many more bytes (always >= 1).
  // Only a hint for the next read: a refusal (not_tls, malformed, too_large) can come
  // sooner, as soon as the bytes that decide it are in.
  std::size_t bytes_needed_hint = 0;
  std::string_view error;  // not_tls, malformed, too_large: static text naming the problem
};

// Parses `bytes`, everything the client has sent so far, from the start of the stream.
// Call again with the longer buffer after each read while the status is need_more; a
// status other than need_more is final: with the same max_bytes, more bytes never change it.
// `max_bytes` bounds the stream bytes the whole ClientHello may occupy, record headers
// included; bytes past it are never looked at, and a partial record header that reaches
// it is too_large. Bytes after the ClientHello's last record are ignored.
//
// Thread-safe (no shared state). Allocates nothing until the whole hello is in; then only
// the result's strings, the list for the duplicate-extension check and, when the hello
// spans several records, one buffer to join them.
PeekResult parse_client_hello(std::span<const std::uint8_t> bytes, std::size_t max_bytes);

std::string_view to_string(PeekStatus status);

}  // namespace proxy::tls
