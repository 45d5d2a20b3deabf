#include "dns/address_order.hpp"

namespace proxy::core::dns {

Addresses interleave_families(const Addresses& addresses) {
  Addresses v6;
  Addresses v4;
  for (const asio::ip::address& address : addresses) {
    (address.is_v6() ? v6 : v4).push_back(address);
  }
  Addresses ordered;
  ordered.reserve(addresses.size());
  for (std::size_t i = 0; i < v6.size() || i < v4.size(); ++i) {
    if (i < v6.size()) {
      ordered.push_back(v6[i]);
    }
    if (i < v4.size()) {
      ordered.push_back(v4[i]);
    }
  }
  return ordered;
}

}  // namespace proxy::core::dns
