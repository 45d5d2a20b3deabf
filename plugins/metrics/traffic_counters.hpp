#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "histogram_bounds.hpp"
#include "label_slots.hpp"
#include "plugin_label_table.hpp"
#include "transaction_record.hpp"

namespace proxy::plugins::metrics {

struct HistogramSnapshot {
  std::vector<std::uint64_t> counts;  // per bucket, not cumulative; the last is +Inf only
  std::uint64_t sum_us = 0;
};

// The counters summed over every io thread at one moment.
struct TrafficSnapshot {
  std::array<std::uint64_t, method_slots> requests{};
  std::array<std::uint64_t, code_slots> responses{};
  std::array<std::uint64_t, code_slots> admin_responses{};
  std::uint64_t bytes_client_to_upstream = 0;
  std::uint64_t bytes_upstream_to_client = 0;
  // By plugin, in the order the names were first seen; "other" last when it counted.
  std::vector<std::pair<std::string, std::uint64_t>> blocked;
  HistogramSnapshot request_duration;
  HistogramSnapshot tunnel_duration;
  // By TransactionRecord::AuthFailure, without `none`.
  std::array<std::uint64_t, auth_failure_slots> auth_failures{};
  std::array<std::uint64_t, rate_limit_result_slots> rate_limit_decisions{};
  std::array<std::uint64_t, redis_error_slots> redis_errors{};
  HistogramSnapshot redis_latency;
};

// The buckets of proxy_redis_latency_seconds. Fixed, not a setting: from 100 us (Redis on
// the same host) to 1 s (far beyond any sensible redis.timeout_ms).
const HistogramBounds& redis_latency_bounds();

// Counters fed by on_close. Each io thread (Transaction::worker()) writes its own shard,
// allocated the first time that thread records, so io threads never contend on a cache
// line; a scrape adds the shards up. Every count is an atomic add: exact, whatever the
// number of threads (workers beyond max_shards share shards, still exactly).
//
// Memory is fixed by the label sets (label_slots.hpp, max_plugin_labels), the bucket
// count and the number of io threads, whatever the traffic.
//
// @par Thread Safety
// record() and snapshot() are safe from any thread, concurrently.
class TrafficCounters {
 public:
  static constexpr std::size_t max_shards = 256;
  // Distinct proxy_blocked_total{plugin} labels; more share plugin="other".
  static constexpr std::size_t max_plugin_labels = 32;

  TrafficCounters(HistogramBounds request_bounds, HistogramBounds tunnel_bounds);
  ~TrafficCounters();
  TrafficCounters(const TrafficCounters&) = delete;
  TrafficCounters& operator=(const TrafficCounters&) = delete;

  void record(const TransactionRecord& record);
  TrafficSnapshot snapshot() const;

  const HistogramBounds& request_bounds() const { return request_bounds_; }
  const HistogramBounds& tunnel_bounds() const { return tunnel_bounds_; }

 private:
  struct Shard;

  Shard& shard_for(std::uint32_t worker);

  const HistogramBounds request_bounds_;
  const HistogramBounds tunnel_bounds_;
  PluginLabelTable plugins_;
  std::array<std::atomic<Shard*>, max_shards> shards_{};
  // Admin requests are rare (a scrape every few seconds): one set of counters will do.
  std::array<std::atomic<std::uint64_t>, code_slots> admin_responses_{};
};

}  // namespace proxy::plugins::metrics
