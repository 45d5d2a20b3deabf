#include "connection/local_addresses.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace proxy::core {
namespace {

std::vector<asio::ip::address> read_interface_addresses() {
  std::vector<asio::ip::address> addresses;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    return addresses;
  }
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) {
      continue;
    }
    if (entry->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      addresses.emplace_back(asio::ip::address_v4(ntohl(in->sin_addr.s_addr)));
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), in6->sin6_addr.s6_addr, bytes.size());
      // Link-local addresses are per interface; the scope is irrelevant for "is it ours".
      addresses.emplace_back(asio::ip::address_v6(bytes));
    }
  }
  freeifaddrs(list);
  return addresses;
}

}  // namespace

asio::ip::address unwrap_v4_mapped(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

LocalAddresses::LocalAddresses(std::chrono::milliseconds refresh_interval)
    : refresh_interval_(refresh_interval) {}

std::shared_ptr<const LocalAddresses::Snapshot> LocalAddresses::current() const {
  const std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!snapshot_ || now - taken_at_ >= refresh_interval_) {
    snapshot_ = std::make_shared<const Snapshot>(read_interface_addresses());
    taken_at_ = now;
  }
  return snapshot_;
}

bool LocalAddresses::contains(const asio::ip::address& address) const {
  const asio::ip::address plain = unwrap_v4_mapped(address);
  asio::ip::address_v6 scopeless;
  if (plain.is_v6()) {
    scopeless = asio::ip::address_v6(plain.to_v6().to_bytes());
  }
  const auto snapshot = current();
  return std::any_of(snapshot->begin(), snapshot->end(), [&](const asio::ip::address& own) {
    return plain.is_v6() ? own == asio::ip::address(scopeless) : own == plain;
  });
}

}  // namespace proxy::core
