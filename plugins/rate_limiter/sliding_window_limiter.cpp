#include "sliding_window_limiter.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace proxy::plugins::rate_limiter {

namespace {

// Zero requests or clients would leave nothing to admit or nowhere to keep a client; the
// counter's arithmetic holds for requests and windows within its bounds.
Limits within_bounds(Limits limits) {
  limits.requests = std::clamp<std::uint64_t>(limits.requests, 1, max_requests);
  limits.window = std::clamp(limits.window, std::chrono::milliseconds(1),
                             std::chrono::milliseconds(max_window_ms));
  limits.max_tracked_clients = std::max<std::size_t>(limits.max_tracked_clients, 1);
  return limits;
}

}  // namespace

SlidingWindowLimiter::SlidingWindowLimiter(const Limits& limits, std::size_t shard_count)
    : limits_(within_bounds(limits)),
      shard_count_(std::clamp<std::size_t>(shard_count, 1, limits_.max_tracked_clients)),
      shards_(std::make_unique<Shard[]>(shard_count_)) {
  // The capacities add up to exactly max_tracked_clients.
  const std::size_t base = limits_.max_tracked_clients / shard_count_;
  const std::size_t remainder = limits_.max_tracked_clients % shard_count_;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    shards_[i].capacity = base + (i < remainder ? 1 : 0);
  }
}

SlidingWindowLimiter::Shard& SlidingWindowLimiter::shard_for(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % shard_count_];
}

SlidingWindowLimiter::Client& SlidingWindowLimiter::touch(Shard& shard, std::string_view key) {
  if (const auto found = shard.index.find(key); found != shard.index.end()) {
    shard.recency.splice(shard.recency.begin(), shard.recency, found->second);
    return *found->second;
  }
  if (shard.index.size() >= shard.capacity) {
    shard.index.erase(shard.recency.back().key);
    shard.recency.pop_back();
  }
  shard.recency.push_front(Client{std::string(key), {}});
  try {
    shard.index.emplace(shard.recency.front().key, shard.recency.begin());
  } catch (...) {
    shard.recency.pop_front();  // keep the list and the index in step
    throw;
  }
  return shard.recency.front();
}

Admission SlidingWindowLimiter::admit(std::string_view key, std::chrono::nanoseconds now) {
  Shard& shard = shard_for(key);
  const std::lock_guard lock(shard.mutex);
  Client& client = touch(shard, key);
  // Callers read the clock before taking the lock, so two threads may arrive out of
  // order by a hair; the counter takes the earlier time as the later one.
  const Verdict verdict =
      admit_one(client.counter, std::chrono::floor<std::chrono::milliseconds>(now).count(),
                limits_.requests, limits_.window.count());
  return Admission{verdict.allowed, std::chrono::milliseconds(verdict.retry_after_ms)};
}

std::size_t SlidingWindowLimiter::tracked_clients() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    const std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].index.size();
  }
  return total;
}

bool SlidingWindowLimiter::tracks(std::string_view key) const {
  const Shard& shard = shard_for(key);
  const std::lock_guard lock(shard.mutex);
  return shard.index.contains(key);
}

std::uint32_t retry_after_seconds(std::chrono::milliseconds wait) {
  const std::chrono::milliseconds second = std::chrono::seconds(1);
  const std::int64_t seconds =
      (std::max(wait.count(), std::int64_t{1}) + second.count() - 1) / second.count();
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(seconds, 1, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace proxy::plugins::rate_limiter
