#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ip_address.hpp"

namespace proxy::plugins::common {

// A list of IPv4 and IPv6 networks ("127.0.0.0/8", "::1/128"; a bare address is a host
// route), as access_policy.client_allow uses it. Host bits below the prefix are allowed
// in an entry and ignored, as in upstream.deny_networks. An IPv4-mapped IPv6 address
// (::ffff:127.0.0.1, what a dual-stack listener reports) matches IPv4 networks.
//
// Lists are short, so a lookup scans them; it parses the address once and allocates
// nothing.
//
// @par Thread Safety
// Immutable after construction: contains() may be called from any thread.
class NetworkList {
 public:
  NetworkList() = default;
  // Throws InvalidEntry naming the first entry that is not an address or network.
  explicit NetworkList(const std::vector<std::string>& entries);

  // False for text that is not an IP address literal.
  bool contains(std::string_view ip) const;
  bool contains(const IpAddress& address) const;
  bool empty() const { return networks_.empty(); }
  std::size_t size() const { return networks_.size(); }

 private:
  struct Network {
    IpAddress address;  // host bits already cleared
    unsigned prefix = 0;
  };

  std::vector<Network> networks_;
};

}  // namespace proxy::plugins::common
