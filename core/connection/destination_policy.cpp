#include "connection/destination_policy.hpp"

namespace proxy::core {
namespace {

bool in_networks(const asio::ip::address& address, const std::vector<config::Network>& networks) {
  if (address.is_v4()) {
    return config::any_contains(networks, address.to_v4().to_bytes());
  }
  return config::any_contains(networks, address.to_v6().to_bytes());
}

// 0.0.0.0/8 and :: as destinations: Linux connects them to this host.
bool is_unspecified_destination(const asio::ip::address& address) {
  if (address.is_v4()) {
    return (address.to_v4().to_uint() >> 24) == 0;
  }
  return address.is_unspecified();
}

}  // namespace

DestinationPolicy::DestinationPolicy(const config::UpstreamConfig& upstream,
                                     const LocalAddresses& local)
    : upstream_(upstream), local_(local) {}

bool DestinationPolicy::is_this_host(const asio::ip::address& address) const {
  const asio::ip::address plain = unwrap_v4_mapped(address);
  return plain.is_loopback() || is_unspecified_destination(plain) || local_.contains(plain);
}

DestinationVerdict DestinationPolicy::check(const asio::ip::address& client,
                                            const tcp::endpoint& target) const {
  const asio::ip::address address = unwrap_v4_mapped(target.address());
  // The interface list is consulted only when the answer depends on it.
  if (target.port() == self_.port && is_this_host(address)) {
    return DestinationVerdict::self;
  }
  if (in_networks(address, upstream_.deny_networks)) {
    return DestinationVerdict::denied;
  }
  switch (upstream_.local_destinations) {
    case config::LocalDestinations::any:
      return DestinationVerdict::allowed;
    case config::LocalDestinations::loopback_clients:
      if (unwrap_v4_mapped(client).is_loopback()) {
        return DestinationVerdict::allowed;
      }
      break;
    case config::LocalDestinations::none:
      break;
  }
  return is_this_host(address) ? DestinationVerdict::local : DestinationVerdict::allowed;
}

}  // namespace proxy::core
