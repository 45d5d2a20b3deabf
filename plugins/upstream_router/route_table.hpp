#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain_set.hpp"
#include "proxy/sdk/decision.hpp"
#include "upstream_router_settings.hpp"

namespace proxy::plugins::upstream_router {

// The routes, ready to hand to the core: each with its parents' addresses and
// credentials filled in.
//
// @par Thread Safety
// Immutable after construction: route_for() may be called from any thread.
class RouteTable {
 public:
  // `authorizations[i]`: the Proxy-Authorization value for settings.parents[i], empty for
  // none. Both must have one entry per parent.
  RouteTable(const Settings& settings, const std::vector<std::string>& authorizations);

  // The route of the first entry that matches `host`; nullptr when none does (the
  // request goes direct, unless another plugin routes it).
  const sdk::Route* route_for(std::string_view host) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    bool every_host = false;
    common::DomainSet domains;
    sdk::Route route;
  };
  std::vector<Entry> entries_;
};

}  // namespace proxy::plugins::upstream_router
