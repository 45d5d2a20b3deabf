// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "proxy/sdk/export.hpp"
#include "rate_limiter_plugin.hpp"

PROXY_PLUGIN(proxy::plugins::rate_limiter::RateLimiterPlugin, "rate_limiter", "0.1.0",
             "Sliding-window request limit per client IP or user, local or shared through Redis "
             "(429 with Retry-After)")
