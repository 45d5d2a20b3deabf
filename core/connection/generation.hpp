#pragma once

#include <cstdint>
#include <memory>

#include "config/config.hpp"
#include "connection/destination_policy.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "plugin_host/timer_scope.hpp"

namespace proxy::core {

// One configuration generation: the config as loaded, the plugins created for it, and
// what sessions derive from them. Generation 1 is the startup config; each successful
// reload (SIGHUP) makes the next. A session holds the generation it started on for its
// whole life (shared_ptr), so a reload never changes what an open connection sees, and
// the plugins of an old generation are destroyed only once its last session is gone.
//
// Immutable once shared; not copyable or movable (the parts point at each other).
struct Generation {
  Generation(std::uint64_t number, config::Config config, host::TimerService& process_timers)
      : number(number), config(std::move(config)), timers(process_timers) {}
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  const std::uint64_t number;
  const config::Config config;
  // Members are destroyed bottom up: the plugins before the timer scope they schedule on.
  host::TimerScope timers;
  std::unique_ptr<host::PluginRegistry> registry;
  const proxy_http_parser_api* parser = nullptr;  // registry's; never null once shared
  std::unique_ptr<DestinationPolicy> destinations;
};

}  // namespace proxy::core
