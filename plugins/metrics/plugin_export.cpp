// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "metrics_plugin.hpp"
#include "proxy/sdk/export.hpp"

PROXY_PLUGIN(proxy::plugins::metrics::MetricsPlugin, "metrics", "0.1.0",
             "Prometheus metrics of connections, requests, tunnels and refusals")
