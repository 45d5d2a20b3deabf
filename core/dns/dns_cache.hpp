#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "asio.hpp"

namespace proxy::core::dns {

using Addresses = std::vector<asio::ip::address>;

// The cache key of a host name: ASCII lowercase, without a trailing dot, since DNS names
// compare case-insensitively and "example.com." is "example.com".
std::string cache_key(std::string_view host);

// Positive answers of upstream name lookups, each kept for its TTL clamped to
// min_ttl..max_ttl, at most `capacity` of them (the least recently used go first).
//
// One cache for the process, shared by the workers: a name one worker resolved is a hit on
// every worker, so the name servers are asked once per TTL instead of once per worker, and
// upstream.dns.cache_entries bounds the whole process. The lock is held for a hash look-up
// and a shared_ptr copy, a small part of what opening an upstream connection costs.
//
// @par Thread Safety
// Every member is safe from any thread.
class DnsCache {
 public:
  using Clock = std::chrono::steady_clock;

  DnsCache(std::size_t capacity, std::chrono::seconds min_ttl, std::chrono::seconds max_ttl);

  // The addresses kept for `key` (from cache_key) that are still fresh at `now`; null when
  // none are. An entry found stale is dropped.
  std::shared_ptr<const Addresses> find(const std::string& key, Clock::time_point now);

  // Keeps `addresses` for `ttl` clamped to min_ttl..max_ttl from `now`, replacing what was
  // kept for `key`. Nothing is kept when the clamped TTL is 0 or the capacity is 0.
  void store(const std::string& key, std::shared_ptr<const Addresses> addresses,
             std::chrono::seconds ttl, Clock::time_point now);

  std::chrono::seconds clamp_ttl(std::chrono::seconds ttl) const;
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Addresses> addresses;
    Clock::time_point expires;
  };
  using Lru = std::list<Entry>;  // most recently used first

  const std::size_t capacity_;
  const std::chrono::seconds min_ttl_;
  const std::chrono::seconds max_ttl_;
  mutable std::mutex mutex_;
  Lru lru_;
  std::unordered_map<std::string_view, Lru::iterator> index_;  // views of Entry::key
};

}  // namespace proxy::core::dns
