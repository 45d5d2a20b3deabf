#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "config/config.hpp"
#include "connection/connection_limits.hpp"
#include "connection/destination_policy.hpp"
#include "connection/generation.hpp"
#include "connection/local_addresses.hpp"
#include "dns/dns_cache.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace proxy::core {

// What every connection shares for the life of the process, whatever configuration
// generation it started on: the connection counts, this host's addresses, the DNS
// cache and the stop flags. What a reload replaces is in Generation.
struct ProxyContext {
  // `max_connections` is server.max_connections, or less when the descriptor limit
  // allows less.
  ProxyContext(const config::Config& config, std::size_t max_connections)
      : limits(max_connections, config.server.max_connections_per_ip),
        dns_cache(config.upstream.dns.cache_entries, config.upstream.dns.min_ttl,
                  config.upstream.dns.max_ttl) {}

  ConnectionLimits limits;
  LocalAddresses local_addresses;
  dns::DnsCache dns_cache;  // shared by every worker's dns::Resolver
  std::atomic<std::uint64_t> next_connection_id{1};
  // Set when SIGTERM/SIGINT arrives, before the listener closes: /_ready answers 503.
  std::atomic<bool> shutdown_begun{false};
  std::atomic<bool> stopping{false};  // the listener closed; sessions close when idle
};

// What one session reads: the parts of the generation it started on, which it keeps
// alive, and the process-wide ones.
struct SessionContext {
  SessionContext(ProxyContext& proxy, std::shared_ptr<const Generation> started_on)
      : generation(std::move(started_on)),
        config(generation->config),
        registry(*generation->registry),
        parser(*generation->parser),
        destinations(*generation->destinations),
        limits(proxy.limits),
        next_connection_id(proxy.next_connection_id),
        shutdown_begun(proxy.shutdown_begun),
        stopping(proxy.stopping) {}

  const std::shared_ptr<const Generation> generation;  // first: the references point into it
  const config::Config& config;
  const host::PluginRegistry& registry;
  const proxy_http_parser_api& parser;
  const DestinationPolicy& destinations;
  ConnectionLimits& limits;
  std::atomic<std::uint64_t>& next_connection_id;
  std::atomic<bool>& shutdown_begun;
  std::atomic<bool>& stopping;
};

}  // namespace proxy::core
