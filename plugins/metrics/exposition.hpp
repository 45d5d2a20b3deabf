#pragma once

#include <string>
#include <string_view>

#include "histogram_bounds.hpp"
#include "proxy/sdk/context.hpp"
#include "traffic_counters.hpp"

namespace proxy::plugins::metrics {

// The whole /_metrics page in the Prometheus text format 0.0.4: every family with HELP
// and TYPE, under the names users script against (plugins/metrics/README.md). Method and
// direction series are always present (zero until counted); codes and plugins appear once
// seen.
std::string render_exposition(const TrafficSnapshot& traffic, const HistogramBounds& request_bounds,
                              const HistogramBounds& tunnel_bounds, const sdk::HostStats& host,
                              std::string_view version);

}  // namespace proxy::plugins::metrics
