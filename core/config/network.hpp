#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace proxy::config {

// A CIDR block such as "169.254.0.0/16" or "fe80::/10", host bits already masked off.
struct Network {
  bool is_v6 = false;
  // Network address in network byte order; IPv4 uses the first 4 bytes.
  std::array<std::uint8_t, 16> bytes{};
  unsigned prefix = 0;
  // Canonical text ("10.0.0.0/8"), used when printing the configuration.
  std::string text;

  // address is 4 bytes (IPv4) or 16 bytes (IPv6), network byte order, as Asio's
  // address_v4::to_bytes()/address_v6::to_bytes() give them. An IPv4-mapped IPv6
  // address (::ffff:a.b.c.d) matches IPv4 networks too, so a deny list cannot be
  // sidestepped by asking for the mapped form.
  bool contains(std::span<const std::uint8_t> address) const;
  // Same for an address literal; false when the literal is not an IP address.
  bool contains(std::string_view address) const;

  bool operator==(const Network& other) const {
    return is_v6 == other.is_v6 && bytes == other.bytes && prefix == other.prefix;
  }
};

// Parses "a.b.c.d/n" (n 0..32) or "ipv6/n" (n 0..128). A bare address means a single host
// (/32 or /128). Returns nullopt when the text is not a valid network.
std::optional<Network> parse_network(std::string_view text);

// True when any of the networks contains the address (see Network::contains).
bool any_contains(const std::vector<Network>& networks, std::span<const std::uint8_t> address);

// Parses an IPv4 or IPv6 literal into 4 or 16 bytes; empty when it is not one.
std::vector<std::uint8_t> parse_ip_address(std::string_view text);

}  // namespace proxy::config
