#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain_set.hpp"
#include "parent_address.hpp"

namespace proxy::plugins::upstream_router {

// One entry of `parents`.
struct ParentSetting {
  std::string name;  // its key under parents: what the log's `upstream` says
  ParentAddress address;
  std::string credentials_file;  // as written, see resolve_path(); empty: none
};

// One entry of `routes`: the hosts it matches and the way they go.
struct RouteSetting {
  bool every_host = false;       // domains holds "*"
  common::DomainSet domains;     // the other entries, matched as blocked_domains are
  std::vector<std::size_t> via;  // indexes into Settings::parents; empty: direct
};

struct Settings {
  std::vector<ParentSetting> parents;
  std::vector<RouteSetting> routes;  // first match wins; none matching: direct
};

// plugins.settings.upstream_router, validated strictly through the SDK's reader: unknown
// keys, wrong types, bad addresses, routes naming a parent that is not under `parents`
// throw sdk::SettingsError naming the key (parents.<name>.address, routes[1].via[0]).
// Credentials files are only named here; the plugin reads them.
Settings parse_settings(const nlohmann::json& settings);

// `path` as a file to open: kept when absolute, else taken relative to `config_folder`
// (kept relative, to the working directory, when that is empty).
std::string resolve_path(const std::string& path, const std::string& config_folder);

}  // namespace proxy::plugins::upstream_router
