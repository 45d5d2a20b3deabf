#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "asio.hpp"
#include "config/config.hpp"
#include "connection/local_addresses.hpp"

namespace proxy::core {

// Where this proxy itself listens: an upstream there would loop back into the proxy
// (and reach its admin endpoints as a loopback client).
struct SelfEndpoint {
  asio::ip::address listen;  // may be unspecified (0.0.0.0 or ::)
  std::uint16_t port = 0;
};

// The verdict on one resolved upstream address, before it is dialled.
enum class DestinationVerdict {
  allowed,
  self,    // the proxy itself: 508
  denied,  // upstream.deny_networks: 403
  local,   // this host, for a client upstream.local_destinations does not allow: 403
};

// upstream.deny_networks, upstream.local_destinations and the self-loop guard, applied to
// every address a request's target resolves to. IPv4-mapped IPv6 addresses are judged as
// the IPv4 address they carry.
//
// An address counts as this host when it is loopback (127.0.0.0/8, ::1), unspecified
// (0.0.0.0/8, ::: connecting there reaches this host) or one of its interface addresses.
// It is the proxy itself when it is this host and the port is the listening port; that
// errs on the side of refusing when another local service shares the port number on a
// different address, which no working setup needs to reach through its own proxy.
//
// @par Thread Safety
// check() is safe from any thread.
class DestinationPolicy {
 public:
  DestinationPolicy(const config::UpstreamConfig& upstream, const LocalAddresses& local);

  void set_self(const SelfEndpoint& self) { self_ = self; }  // once the listener is bound
  const SelfEndpoint& self() const { return self_; }

  DestinationVerdict check(const asio::ip::address& client, const tcp::endpoint& target) const;

  bool is_this_host(const asio::ip::address& address) const;

 private:
  const config::UpstreamConfig& upstream_;
  const LocalAddresses& local_;
  SelfEndpoint self_;
};

}  // namespace proxy::core
