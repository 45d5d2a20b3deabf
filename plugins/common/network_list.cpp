#include "network_list.hpp"

#include <algorithm>

#include "invalid_entry.hpp"

namespace proxy::plugins::common {
namespace {

bool prefix_matches(const IpAddress& network, const IpAddress& address, unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (!std::equal(network.bytes.begin(), network.bytes.begin() + whole, address.bytes.begin())) {
    return false;
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xffU << (8 - rest));
  return (network.bytes[whole] & mask) == (address.bytes[whole] & mask);
}

}  // namespace

NetworkList::NetworkList(const std::vector<std::string>& entries) {
  networks_.reserve(entries.size());
  for (std::size_t index = 0; index < entries.size(); ++index) {
    const std::string_view entry = entries[index];
    const auto slash = entry.find('/');
    const auto address = parse_ip_literal(entry.substr(0, slash));
    if (!address) {
      throw InvalidEntry(index, "expected an IP address or network such as 10.0.0.0/8 or ::1/128");
    }
    Network network{*address, address->is_v6 ? 128U : 32U};
    const unsigned max_prefix = network.prefix;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      if (digits.empty() || digits.size() > 3 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw InvalidEntry(index, "the prefix length after '/' must be a number");
      }
      network.prefix = 0;
      for (const char c : digits) {
        network.prefix = network.prefix * 10 + static_cast<unsigned>(c - '0');
      }
      if (network.prefix > max_prefix) {
        throw InvalidEntry(index, "prefix length above /" + std::to_string(max_prefix));
      }
    }
    for (unsigned bit = network.prefix; bit < max_prefix; ++bit) {
      network.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
    }
    networks_.push_back(network);
  }
}

bool NetworkList::contains(std::string_view ip) const {
  const auto address = parse_ip_literal(ip);
  return address && contains(*address);
}

bool NetworkList::contains(const IpAddress& address) const {
  // A mapped address is tried as IPv4 too; IPv6 networks still see it as written.
  const IpAddress as_v4 = address.is_v4_mapped() ? address.mapped_v4() : address;
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& network) {
    if (network.address.is_v6) {
      return address.is_v6 && prefix_matches(network.address, address, network.prefix);
    }
    return !as_v4.is_v6 && prefix_matches(network.address, as_v4, network.prefix);
  });
}

}  // namespace proxy::plugins::common
