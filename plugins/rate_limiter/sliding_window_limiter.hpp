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

#include "window_counter.hpp"

namespace proxy::plugins::rate_limiter {

struct Limits {
  std::uint64_t requests = 100;  // admitted per client per window
  // The counter works in whole milliseconds (see window_counter.hpp).
  std::chrono::milliseconds window = std::chrono::seconds(1);
  std::size_t max_tracked_clients = 100000;
};

struct Admission {
  bool allowed = true;
  // When refused: how long until a request of this key is admitted again (the earliest
  // moment a retry succeeds). Zero when allowed.
  std::chrono::milliseconds retry_after{0};
};

// A sliding-window counter per client key (window_counter.hpp): each key costs a fixed
// few bytes whatever `requests` is. Refused requests are not counted, so a client that
// keeps retrying does not push its own wait further out.
//
// Memory is bounded by max_tracked_clients: when a new key would exceed it, the least
// recently seen key is forgotten (its limit starts over). Keys are spread over shards,
// each with its own mutex, map and recency list, and the capacity is split between them
// so the shards together never hold more than max_tracked_clients; recency is therefore
// exact within a shard and approximate across shards.
//
// Time is an argument rather than a clock read, so callers (and tests) control it; it is
// counted in whole milliseconds (rounded down). It must be monotonic; a time earlier than
// the latest one seen for the key is taken as that latest one.
//
// @par Thread Safety
// admit() and the observers may be called from any thread; calls for keys in different
// shards do not contend.
class SlidingWindowLimiter {
 public:
  static constexpr std::size_t default_shard_count = 32;

  // Fewer shards are used when max_tracked_clients is smaller than shard_count, so that
  // every shard can hold at least one key. Out-of-range limits are clamped: requests to
  // 1..max_requests, window to 1 ms..max_window_ms, zero clients to 1.
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
    WindowCounter counter;
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
std::uint32_t retry_after_seconds(std::chrono::milliseconds wait);

}  // namespace proxy::plugins::rate_limiter
