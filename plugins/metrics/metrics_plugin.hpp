#pragma once

#include <memory>

#include "metrics_settings.hpp"
#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"
#include "traffic_counters.hpp"

namespace proxy::plugins::metrics {

// Counts every finished transaction (on_close) and serves the counters, with the core's
// own gauges, as Prometheus text at `path` on the proxy's port (admin.allow only).
//
// @par Thread Safety
// on_close and the endpoint run on any io thread, concurrently: the counters are
// per-thread atomics, the settings are frozen at construction.
class MetricsPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for bad settings; std::runtime_error when the host
  // refuses the endpoint (the path is taken by another plugin).
  explicit MetricsPlugin(sdk::PluginContext& context);

  void on_close(const sdk::Transaction& transaction) override;

  // The endpoint: GET or HEAD; other methods get 405.
  sdk::AdminResponse scrape(const sdk::AdminRequest& request) const;

 private:
  sdk::PluginContext& context_;
  const MetricsSettings settings_;
  // Shared with the same-named instance of an older generation (carried_counters.hpp).
  std::shared_ptr<TrafficCounters> counters_;
};

}  // namespace proxy::plugins::metrics
