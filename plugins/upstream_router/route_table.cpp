#include "route_table.hpp"

#include <stdexcept>

namespace proxy::plugins::upstream_router {

RouteTable::RouteTable(const Settings& settings, const std::vector<std::string>& authorizations) {
  if (authorizations.size() != settings.parents.size()) {
    throw std::logic_error("one authorization per parent is needed");
  }
  for (const RouteSetting& route : settings.routes) {
    Entry entry{route.every_host, route.domains, sdk::Route::direct()};
    if (!route.via.empty()) {
      std::vector<sdk::Parent> parents;
      for (const std::size_t index : route.via) {
        const ParentSetting& parent = settings.parents.at(index);
        parents.push_back(
            {parent.name, parent.address.host, parent.address.port, authorizations.at(index)});
      }
      entry.route = sdk::Route::via(std::move(parents));
    }
    entries_.push_back(std::move(entry));
  }
}

const sdk::Route* RouteTable::route_for(std::string_view host) const {
  for (const Entry& entry : entries_) {
    if (entry.every_host || entry.domains.contains(host)) {
      return &entry.route;
    }
  }
  return nullptr;
}

}  // namespace proxy::plugins::upstream_router
