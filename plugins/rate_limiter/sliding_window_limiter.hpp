#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "timestamp_ring.hpp"

namespace proxy::plugins::rate_limiter {

struct Limits {
  std::uint64_t requests = 100;  // admitted per client per window
  std::chrono::nanoseconds window = std::chrono::seconds(1);
  std::size_t max_tracked_clients = 100000;
};

struct Admission {
  bool allowed = true;
  // When refused: how long until the oldest request in the window leaves it, i.e. the
  // earliest moment a retry can succeed. Zero when allowed.
  std::chrono::nanoseconds retry_after{0};
};

// An exact sliding-window limit per client key: a request is admitted when fewer than
// `requests` earlier admitted requests of that key lie in (now - window, now]. Refused
// requests are not recorded, so a client that keeps retrying is served again as soon as
// its oldest admitted request leaves the window.
//
// Memory is bounded by max_tracked_clients: when a new key would exceed it, the least
// recently seen key is forgotten (its limit starts over). Keys are spread over shards,
// each with its own mutex, map and recency list, and the capacity is split between them
// so the shards together never hold more than max_tracked_clients; recency is therefore
// exact within a shard and approximate across shards.
//
// Time is an argument rather than a clock read, so callers (and tests) control it. It
// must be monotonic; a time earlier than the key's newest is taken as that newest.
//
// @par Thread Safety
// admit() and the observers may be called from any thread; calls for keys in different
// shards do not contend.
class SlidingWindowLimiter {
 public:
  static constexpr std::size_t default_shard_count = 32;

  // Fewer shards are used when max_tracked_clients is smaller than shard_count, so that
  // every shard can hold at least one key. Zero requests or clients are taken as 1.
  explicit SlidingWindowLimiter(const Limits& limits,
                                std::size_t shard_count = default_shard_count);

  Admission admit(std::string_view key, std::chrono::nanoseconds now);

  std::size_t tracked_clients() const;
  bool tracks(std::string_view key) const;
  std::size_t shard_count() const { return shard_count_; }
  const Limits& limits() const { return limits_; }

 private:
  struct Client {
    std::string key;
    TimestampRing admitted;
  };
  using Recency = std::list<Client>;  // front: most recently seen

  struct alignas(64) Shard {  // one cache line apart: no false sharing between locks
    mutable std::mutex mutex;
    std::size_t capacity = 0;
    Recency recency;
    // Keys view the strings in `recency`, whose nodes never move.
    std::unordered_map<std::string_view, Recency::iterator> index;
  };

  Shard& shard_for(std::string_view key) const;
  // The key's entry, moved to the front; created (evicting the least recently seen key
  // when the shard is full) when absent. Called with the shard's mutex held.
  static Client& touch(Shard& shard, std::string_view key);

  Limits limits_;
  std::size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
};

// Seconds a client should wait, as Retry-After says it: rounded up, at least 1.
std::uint32_t retry_after_seconds(std::chrono::nanoseconds wait);

}  // namespace proxy::plugins::rate_limiter
