#pragma once

#include <atomic>
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
  std::atomic<std::uint64_t> proxy_protocol_refused{0};

  // Fills as much of `out` as its size covers.
  void fill(proxy_host_stats& out) const;
};

}  // namespace proxy::host
