#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// IP addresses and networks as plugin settings name them ("10.0.0.0/8", "::1/128") and as
// hooks see clients (Connection::client_ip()). Header-only: inet_pton is all it needs.
namespace proxy::sdk {

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes).
struct IpAddress {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  std::size_t size() const { return is_v6 ? 16 : 4; }
  // ::ffff:a.b.c.d, what a dual-stack listener reports for an IPv4 client.
  bool is_v4_mapped() const {
    constexpr std::array<std::uint8_t, 12> prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return is_v6 && std::equal(prefix.begin(), prefix.end(), bytes.begin());
  }
  // The IPv4 address inside ::ffff:a.b.c.d; only meaningful when is_v4_mapped().
  IpAddress mapped_v4() const {
    IpAddress v4;
    std::copy_n(bytes.begin() + 12, 4, v4.bytes.begin());
    return v4;
  }

  bool operator==(const IpAddress& other) const = default;
};

// A strict literal as inet_pton reads it: dotted-quad IPv4 or IPv6 text, no brackets, no
// prefix, no zone. nullopt for anything else (host names, "127.1", "[::1]").
inline std::optional<IpAddress> parse_ip_literal(std::string_view text) {
  // inet_pton wants a NUL-terminated string; the longest literal (an IPv6 address with an
  // embedded IPv4 one) has 45 characters, so anything that does not fit is not one.
  constexpr std::size_t max_literal = 63;
  if (text.empty() || text.size() > max_literal) {
    return std::nullopt;
  }
  char buffer[max_literal + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress address;
  if (inet_pton(AF_INET, buffer, address.bytes.data()) == 1) {
    return address;
  }
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) == 1) {
    address.is_v6 = true;
    return address;
  }
  return std::nullopt;
}

// An IPv4 or IPv6 network: an address and a prefix length, host bits cleared.
struct Network {
  IpAddress address;
  unsigned prefix = 0;

  // True when `ip` is inside the network. An IPv4-mapped IPv6 address also matches
  // IPv4 networks; IPv6 networks see it as written (so ::ffff:0:0/96 matches it too).
  bool contains(const IpAddress& ip) const {
    if (address.is_v6) {
      return ip.is_v6 && prefix_matches(ip);
    }
    const IpAddress v4 = ip.is_v4_mapped() ? ip.mapped_v4() : ip;
    return !v4.is_v6 && prefix_matches(v4);
  }

  bool operator==(const Network& other) const = default;

 private:
  bool prefix_matches(const IpAddress& ip) const {
    const unsigned whole = prefix / 8;
    if (!std::equal(address.bytes.begin(), address.bytes.begin() + whole, ip.bytes.begin())) {
      return false;
    }
    const unsigned rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xffU << (8 - rest));
    return (address.bytes[whole] & mask) == (ip.bytes[whole] & mask);
  }
};

// Reads "10.0.0.0/8", "::1/128" or a bare address (a host route: /32 or /128). Host bits
// below the prefix are allowed and cleared ("10.1.2.3/8" is 10.0.0.0/8), as the core reads
// upstream.deny_networks. On failure returns nullopt and, when `why` is given, says what
// is wrong with the text.
inline std::optional<Network> parse_network(std::string_view text, std::string* why = nullptr) {
  const auto fail = [why](std::string reason) -> std::optional<Network> {
    if (why != nullptr) {
      *why = std::move(reason);
    }
    return std::nullopt;
  };
  const std::size_t slash = text.find('/');
  const auto address = parse_ip_literal(text.substr(0, slash));
  if (!address) {
    return fail("not an IP address");
  }
  Network network{*address, address->is_v6 ? 128U : 32U};
  const unsigned max_prefix = network.prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail("the prefix length after '/' must be a number from 0 to " +
                  std::to_string(max_prefix));
    }
    network.prefix = 0;
    for (const char c : digits) {
      network.prefix = network.prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (network.prefix > max_prefix) {
      return fail("the prefix length is above /" + std::to_string(max_prefix));
    }
  }
  for (unsigned bit = network.prefix; bit < max_prefix; ++bit) {
    network.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
  }
  return network;
}

// A list of networks a client address is checked against (an allow list, a bypass list).
// Lists are short, so a lookup scans them; it parses the address once and allocates
// nothing. Build one from settings with SettingsReader::networks().
//
// @par Thread Safety
// Immutable after construction: contains() may be called from any thread.
class NetworkList {
 public:
  NetworkList() = default;
  explicit NetworkList(std::vector<Network> networks) : networks_(std::move(networks)) {}

  // False for text that is not an IP address literal.
  bool contains(std::string_view ip) const {
    const auto address = parse_ip_literal(ip);
    return address && contains(*address);
  }
  bool contains(const IpAddress& ip) const {
    return std::any_of(networks_.begin(), networks_.end(),
                       [&](const Network& network) { return network.contains(ip); });
  }
  bool empty() const { return networks_.empty(); }
  std::size_t size() const { return networks_.size(); }
  const std::vector<Network>& networks() const { return networks_; }

 private:
  std::vector<Network> networks_;
};

}  // namespace proxy::sdk
