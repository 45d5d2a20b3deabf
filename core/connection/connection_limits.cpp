#include "connection/connection_limits.hpp"

#include <functional>

namespace proxy::core {

ConnectionLimits::Shard& ConnectionLimits::shard_of(const std::string& ip) {
  return shards_[std::hash<std::string>{}(ip) % shards_.size()];
}

bool ConnectionLimits::try_acquire(const std::string& ip) {
  if (!try_acquire_slot()) {
    return false;
  }
  if (!try_acquire_client(ip)) {
    release_slot();
    return false;
  }
  return true;
}

void ConnectionLimits::release(const std::string& ip) {
  release_client(ip);
  release_slot();
}

bool ConnectionLimits::try_acquire_slot() {
  if (active_.fetch_add(1, std::memory_order_relaxed) >= max_total_) {
    active_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void ConnectionLimits::release_slot() {
  active_.fetch_sub(1, std::memory_order_relaxed);
}

bool ConnectionLimits::try_acquire_client(const std::string& ip) {
  Shard& shard = shard_of(ip);
  const std::lock_guard lock(shard.mutex);
  std::size_t& count = shard.counts[ip];
  if (count >= max_per_ip_.load(std::memory_order_relaxed)) {
    if (count == 0) {
      shard.counts.erase(ip);
    }
    return false;
  }
  ++count;
  return true;
}

void ConnectionLimits::release_client(const std::string& ip) {
  Shard& shard = shard_of(ip);
  const std::lock_guard lock(shard.mutex);
  const auto it = shard.counts.find(ip);
  if (it != shard.counts.end() && --it->second == 0) {
    shard.counts.erase(it);
  }
}

}  // namespace proxy::core
