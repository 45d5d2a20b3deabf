#pragma once

#include <atomic>
#include <cstdint>

#include "config/config.hpp"
#include "connection/connection_limits.hpp"
#include "connection/upstream_connector.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace proxy::core {

// What every connection shares: the frozen config, the plugins, the limits. Immutable
// while serving except for the atomics.
struct ProxyContext {
  ProxyContext(const config::Config& config, const host::PluginRegistry& registry)
      : config(config),
        registry(registry),
        parser(*registry.http_parser()),
        limits(config.server.max_connections, config.server.max_connections_per_ip) {}

  const config::Config& config;
  const host::PluginRegistry& registry;
  const proxy_http_parser_api& parser;
  ConnectionLimits limits;
  SelfEndpoint self;  // set once the listener is bound
  std::atomic<std::uint64_t> next_connection_id{1};
  std::atomic<bool> stopping{false};
};

}  // namespace proxy::core
