#pragma once

#include <atomic>
#include <cstdint>

#include "config/config.hpp"
#include "connection/connection_limits.hpp"
#include "connection/destination_policy.hpp"
#include "connection/local_addresses.hpp"
#include "dns/dns_cache.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace proxy::core {

// What every connection shares: the frozen config, the plugins, the limits. Immutable
// while serving except for the atomics.
struct ProxyContext {
  // `max_connections` is server.max_connections, or less when the descriptor limit
  // allows less.
  ProxyContext(const config::Config& config, const host::PluginRegistry& registry,
               std::size_t max_connections)
      : config(config),
        registry(registry),
        parser(*registry.http_parser()),
        limits(max_connections, config.server.max_connections_per_ip),
        destinations(config.upstream, local_addresses),
        dns_cache(config.upstream.dns.cache_entries, config.upstream.dns.min_ttl,
                  config.upstream.dns.max_ttl) {}

  const config::Config& config;
  const host::PluginRegistry& registry;
  const proxy_http_parser_api& parser;
  ConnectionLimits limits;
  LocalAddresses local_addresses;
  DestinationPolicy destinations;  // its self endpoint is set once the listener is bound
  dns::DnsCache dns_cache;         // shared by every worker's dns::Resolver
  std::atomic<std::uint64_t> next_connection_id{1};
  std::atomic<bool> stopping{false};
};

}  // namespace proxy::core
