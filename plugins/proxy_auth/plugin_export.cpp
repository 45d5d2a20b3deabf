// The plugin's C ABI entry points; everything else in the library stays hidden.
#include "proxy/sdk/export.hpp"
#include "proxy_auth_plugin.hpp"

PROXY_PLUGIN(proxy::plugins::proxy_auth::ProxyAuthPlugin, "proxy_auth", "0.1.0",
             "Basic proxy authentication against an htpasswd file (407, bcrypt via libcrypt)")
