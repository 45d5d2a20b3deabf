// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "proxy/sdk/export.hpp"
#include "upstream_router_plugin.hpp"

PROXY_PLUGIN(proxy::plugins::upstream_router::UpstreamRouterPlugin, "upstream_router", "0.1.0",
             "Routes requests direct or through parent proxies by their target host")
