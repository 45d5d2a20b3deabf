#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "proxy/sdk/abi.h"

namespace proxy::host {

// What the core counts and plugins read through host->get_stats (metrics, for one).
// Relaxed atomics: each value is exact; a reader may see them at slightly different
// moments, which a scrape tolerates.
//
// @par Thread Safety
// Every member is safe from any thread.
struct CoreCounters {
  std::atomic<std::uint64_t> connections_active{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> tunnels_active{0};
  // Upstream name lookups (core/dns); see proxy_host_stats.
  std::atomic<std::uint64_t> dns_lookups_ok{0};
  std::atomic<std::uint64_t> dns_lookups_failed{0};
  std::atomic<std::uint64_t> dns_lookups_timed_out{0};
  std::atomic<std::uint64_t> dns_cache_hits{0};
  std::array<std::atomic<std::uint64_t>, PROXY_DNS_DURATION_BUCKETS> dns_lookup_duration_buckets{};
  std::atomic<std::uint64_t> dns_lookup_duration_sum_us{0};
  std::atomic<std::uint64_t> proxy_protocol_refused{0};
  // Configuration generations (reload on SIGHUP); see proxy_host_stats.
  std::atomic<std::uint64_t> config_generation{1};
  std::atomic<std::uint64_t> config_reloads_ok{0};
  std::atomic<std::uint64_t> config_reloads_failed{0};

  // One lookup that ended (answered or timed out) after `took`.
  void observe_dns_lookup(std::chrono::microseconds took);
  // Fills as much of `out` as its size covers.
  void fill(proxy_host_stats& out) const;
};

}  // namespace proxy::host
