#include "config/network.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace proxy::config {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool prefix_matches(const std::uint8_t* network, const std::uint8_t* address, unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (!std::equal(network, network + whole, address)) {
    return false;
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (network[whole] & mask) == (address[whole] & mask);
}

std::string address_text(bool is_v6, const std::array<std::uint8_t, 16>& bytes) {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof(buffer));
  return buffer;
}

}  // namespace

std::vector<std::uint8_t> parse_ip_address(std::string_view text) {
  // inet_pton needs a NUL-terminated string.
  const std::string literal(text);
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(AF_INET, literal.c_str(), bytes.data()) == 1) {
    return {bytes.begin(), bytes.begin() + 4};
  }
  if (inet_pton(AF_INET6, literal.c_str(), bytes.data()) == 1) {
    return {bytes.begin(), bytes.end()};
  }
  return {};
}

std::optional<Network> parse_network(std::string_view text) {
  const auto slash = text.find('/');
  const std::vector<std::uint8_t> address = parse_ip_address(text.substr(0, slash));
  if (address.empty()) {
    return std::nullopt;
  }
  Network network;
  network.is_v6 = address.size() == 16;
  const unsigned max_prefix = network.is_v6 ? 128 : 32;
  network.prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    // Only plain decimal digits: from_chars alone would accept nothing after a sign.
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    std::from_chars(digits.data(), digits.data() + digits.size(), network.prefix);
    if (network.prefix > max_prefix) {
      return std::nullopt;
    }
  }
  std::copy(address.begin(), address.end(), network.bytes.begin());
  // Host bits are allowed in the input ("10.1.2.3/8") but never matter when matching.
  for (unsigned bit = network.prefix; bit < max_prefix; ++bit) {
    network.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  network.text = address_text(network.is_v6, network.bytes) + '/' + std::to_string(network.prefix);
  return network;
}

bool Network::contains(std::span<const std::uint8_t> address) const {
  if (address.size() == 4) {
    return !is_v6 && prefix_matches(bytes.data(), address.data(), prefix);
  }
  if (address.size() != 16) {
    return false;
  }
  if (is_v6) {
    return prefix_matches(bytes.data(), address.data(), prefix);
  }
  if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), address.begin())) {
    return prefix_matches(bytes.data(), address.data() + 12, prefix);
  }
  return false;
}

bool Network::contains(std::string_view address) const {
  const std::vector<std::uint8_t> parsed = parse_ip_address(address);
  return !parsed.empty() && contains(std::span<const std::uint8_t>(parsed));
}

bool any_contains(const std::vector<Network>& networks, std::span<const std::uint8_t> address) {
  return std::any_of(networks.begin(), networks.end(),
                     [&](const Network& network) { return network.contains(address); });
}

}  // namespace proxy::config
