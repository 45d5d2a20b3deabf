// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "json_log_plugin.hpp"
#include "proxy/sdk/export.hpp"

PROXY_PLUGIN(proxy::plugins::json_log::JsonLogPlugin, "json_log", "0.1.0",
             "Access log: one JSON object per line per transaction")
