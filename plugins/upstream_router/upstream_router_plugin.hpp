#pragma once

#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"
#include "route_table.hpp"

namespace proxy::plugins::upstream_router {

// Routes requests through parent proxies by their target host: the first route whose
// domains match decides whether the request goes direct or through a list of parents
// (tried in order while one cannot be reached); no match leaves it direct. Credentials
// files are read once, at start (and at each reload); their content is never logged.
// See README.md beside this file.
//
// @par Thread Safety
// Immutable after construction; on_request runs on any io thread.
class UpstreamRouterPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for unknown keys, wrong types, bad values and credentials
  // files that cannot be read.
  explicit UpstreamRouterPlugin(sdk::PluginContext& context);

  sdk::Decision on_request(const sdk::Connection& conn, sdk::Request& request) override;

 private:
  const RouteTable routes_;
};

}  // namespace proxy::plugins::upstream_router
