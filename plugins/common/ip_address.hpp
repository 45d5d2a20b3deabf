#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace proxy::plugins::common {

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes).
struct IpAddress {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  std::size_t size() const { return is_v6 ? 16 : 4; }
  bool is_v4_mapped() const;
  // The IPv4 address inside ::ffff:a.b.c.d; only valid when is_v4_mapped().
  IpAddress mapped_v4() const;

  bool operator==(const IpAddress& other) const = default;
};

// Strict literal as inet_pton reads it: dotted-quad IPv4 or IPv6 text, no brackets, no
// prefix, no zone. nullopt for anything else.
std::optional<IpAddress> parse_ip_literal(std::string_view text);

// The address a resolver would take `host` for without asking DNS, as the upstream
// connector's getaddrinfo does: IPv6 with or without brackets, and every IPv4 form
// inet_aton accepts ("127.0.0.1", "127.1", "0x7f.0.0.1", "2130706433"). Matching on this
// rather than on the text keeps an address rule from being sidestepped by another
// spelling. An IPv4-mapped IPv6 address is folded to its IPv4 address. nullopt when the
// host is a name.
std::optional<IpAddress> parse_numeric_host(std::string_view host);

}  // namespace proxy::plugins::common
