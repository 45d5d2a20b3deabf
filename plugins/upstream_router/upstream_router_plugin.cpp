#include "upstream_router_plugin.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "credentials_file.hpp"
#include "upstream_router_settings.hpp"

namespace proxy::plugins::upstream_router {
namespace {

// The Proxy-Authorization value of each parent, from its credentials file (relative to
// the main config file's folder); empty for a parent without one.
std::vector<std::string> read_authorizations(const Settings& settings,
                                             const sdk::PluginContext& context) {
  std::vector<std::string> authorizations;
  for (const ParentSetting& parent : settings.parents) {
    if (parent.credentials_file.empty()) {
      authorizations.emplace_back();
      continue;
    }
    const std::string path = resolve_path(parent.credentials_file, context.config_dir());
    try {
      ParentCredentials credentials = read_credentials_file(path);
      if (credentials.readable_by_others) {
        context.log().warn("parent {}: {} is readable by every user of this host", parent.name,
                           path);
      }
      authorizations.push_back(std::move(credentials.authorization));
    } catch (const std::runtime_error& e) {
      throw sdk::SettingsError("parents." + parent.name + ".credentials_file", e.what());
    }
  }
  return authorizations;
}

RouteTable make_routes(const sdk::PluginContext& context) {
  const Settings settings = parse_settings(context.settings());
  RouteTable routes(settings, read_authorizations(settings, context));
  for (const ParentSetting& parent : settings.parents) {
    context.log().debug("parent {}: {}:{}{}", parent.name, parent.address.host, parent.address.port,
                        parent.credentials_file.empty() ? "" : ", with credentials");
  }
  return routes;
}

}  // namespace

UpstreamRouterPlugin::UpstreamRouterPlugin(sdk::PluginContext& context)
    : routes_(make_routes(context)) {
  context.log().debug("{} routes", routes_.size());
}

sdk::Decision UpstreamRouterPlugin::on_request(const sdk::Connection& /*conn*/,
                                               sdk::Request& request) {
  const sdk::Route* route = routes_.route_for(request.host());
  if (route == nullptr) {
    return sdk::Decision::allow();
  }
  return sdk::Decision::allow().with_route(*route);
}

}  // namespace proxy::plugins::upstream_router
