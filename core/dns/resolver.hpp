#pragma once

#include <ares.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "asio.hpp"
#include "config/config.hpp"
#include "dns/ares_channel.hpp"
#include "dns/dns_answer.hpp"
#include "dns/dns_cache.hpp"
#include "plugin_host/core_counters.hpp"

namespace proxy::core::dns {

// Resolves upstream host names for the connections of one worker: from the shared cache
// when it can, else with one c-ares lookup per name, which every connection of this worker
// asking for that name meanwhile waits on. A lookup ends at upstream.dns.timeout; a slow
// name delays only those waiting for it.
//
// @par Thread Safety
// Used only from its worker's io thread (built before that thread starts).
class Resolver {
 public:
  using Clock = std::chrono::steady_clock;

  Resolver(const asio::any_io_executor& executor, const config::DnsConfig& settings,
           DnsCache& cache, host::CoreCounters& counters);
  // Lookups still pending end as failed; their waiters are woken (never resumed once the
  // io_context has stopped).
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // The addresses of `host` (a name; literals need no lookup), or why there are none. The
  // wait ends by `deadline` at the latest (then timed_out), whatever the lookup does.
  asio::awaitable<DnsAnswer> resolve(const std::string& host, Clock::time_point deadline);

 private:
  struct Waiter;
  struct Query;

  void join_or_start(const std::string& key, const std::shared_ptr<Waiter>& waiter);
  static void on_answer(void* arg, int status, int timeouts, ares_addrinfo* result);
  void complete(Query& query, int status, const ares_addrinfo* result);
  void finish(Query& query, const DnsAnswer& answer);
  // Counts a lookup that ended, by outcome and by how long it took.
  void count_lookup(const Query& query, std::atomic<std::uint64_t>& outcome);

  asio::any_io_executor executor_;
  std::chrono::milliseconds timeout_;
  DnsCache& cache_;
  host::CoreCounters& counters_;
  std::unordered_map<std::string, std::shared_ptr<Query>> pending_;  // by cache_key
  std::unique_ptr<AresChannel> channel_;
};

}  // namespace proxy::core::dns
