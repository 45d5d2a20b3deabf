// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "access_policy_plugin.hpp"
#include "proxy/sdk/export.hpp"

PROXY_PLUGIN(proxy::plugins::access_policy::AccessPolicyPlugin, "access_policy", "0.1.0",
             "Client, method, CONNECT port and domain access rules")
