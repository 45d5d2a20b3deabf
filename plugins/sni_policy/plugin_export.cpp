// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "proxy/sdk/export.hpp"
#include "sni_policy_plugin.hpp"

PROXY_PLUGIN(proxy::plugins::sni_policy::SniPolicyPlugin, "sni_policy", "0.1.0",
             "TLS SNI rules for CONNECT tunnels")
