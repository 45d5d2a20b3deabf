#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace proxy::core {

// server.max_connections and server.max_connections_per_ip. Per-IP counts live in
// shards with a lock each, so accepts on different threads rarely contend, and an
// entry exists only while that IP has connections (memory bounded by live connections).
//
// @par Thread Safety
// Every member is safe from any thread.
class ConnectionLimits {
 public:
  ConnectionLimits(std::size_t max_total, std::size_t max_per_ip)
      : max_total_(max_total), max_per_ip_(max_per_ip) {}

  // False (and nothing counted) when either cap is reached.
  bool try_acquire(const std::string& ip);
  void release(const std::string& ip);

  // The two caps one at a time, for a connection whose client is known only after it
  // spoke (PROXY protocol): a slot of max_connections at accept, the client's share of
  // max_connections_per_ip once known. False counts nothing.
  bool try_acquire_slot();
  void release_slot();
  bool try_acquire_client(const std::string& ip);
  void release_client(const std::string& ip);

  std::size_t active() const { return active_.load(std::memory_order_relaxed); }

  // A reload's new server.max_connections_per_ip: clients over it keep what they have
  // open and are refused new connections until they are below it.
  void set_max_per_ip(std::size_t max_per_ip) {
    max_per_ip_.store(max_per_ip, std::memory_order_relaxed);
  }

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::size_t> counts;
  };
  Shard& shard_of(const std::string& ip);

  const std::size_t max_total_;
  std::atomic<std::size_t> max_per_ip_;
  std::atomic<std::size_t> active_{0};
  std::array<Shard, 16> shards_;
};

}  // namespace proxy::core
