#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "asio.hpp"

namespace proxy::core {

// The addresses of this host's own interfaces, as getifaddrs(3) reports them. Used to
// recognise a destination that is the proxy host itself (a loop, or its local services).
//
// A snapshot refreshed at most once per `refresh_interval`, so an address added after
// startup (DHCP, a new interface) is recognised within that time without a syscall per
// connection.
//
// @par Thread Safety
// contains() is safe from any thread.
class LocalAddresses {
 public:
  explicit LocalAddresses(std::chrono::milliseconds refresh_interval = std::chrono::seconds(5));

  bool contains(const asio::ip::address& address) const;

 private:
  using Snapshot = std::vector<asio::ip::address>;
  std::shared_ptr<const Snapshot> current() const;

  const std::chrono::milliseconds refresh_interval_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Snapshot> snapshot_;
  mutable std::chrono::steady_clock::time_point taken_at_;
};

// ::ffff:a.b.c.d as a.b.c.d; any other address as it is. Policies compare the unwrapped
// form, so the mapped spelling of an address is never a way around them.
asio::ip::address unwrap_v4_mapped(const asio::ip::address& address);

}  // namespace proxy::core
