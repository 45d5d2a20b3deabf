#include "upstream_router_settings.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string_view>

#include "invalid_entry.hpp"
#include "proxy/sdk/abi.h"
#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::upstream_router {
namespace {

constexpr std::string_view direct_word = "direct";

// `via`: "direct", one parent's name, or a list of parents' names.
struct ViaNames {
  std::vector<std::string> names;
  bool listed = false;  // written as a list: errors name the entry
};

struct Via {
  using value_type = ViaNames;
  std::string expected = "\"direct\", a parent's name, or a list of 1 to " +
                         std::to_string(PROXY_ROUTE_PARENTS_MAX) + " parents' names";

  std::optional<ViaNames> read(const nlohmann::json& value, std::string& why) const {
    if (value.is_string()) {
      return ViaNames{{value.get<std::string>()}, false};
    }
    if (!value.is_array() || value.empty() || value.size() > PROXY_ROUTE_PARENTS_MAX) {
      return std::nullopt;
    }
    ViaNames out{{}, true};
    for (const nlohmann::json& item : value) {
      if (!item.is_string()) {
        why = "every entry is a parent's name";
        return std::nullopt;
      }
      out.names.push_back(item.get<std::string>());
    }
    return out;
  }
};

bool valid_parent_name(std::string_view name) {
  return !name.empty() && name.size() <= PROXY_PARENT_NAME_MAX && name != direct_word &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
         });
}

std::string path_problem(std::string_view path) {
  if (path.empty()) {
    return "it is empty";
  }
  return path.find('\0') == std::string_view::npos ? "" : "it holds a NUL byte";
}

std::vector<ParentSetting> read_parents(const sdk::SettingsReader& reader) {
  std::vector<ParentSetting> parents;
  for (const auto& [name, parent] :
       reader.named_sections("parents", {"address", "credentials_file"})) {
    if (!valid_parent_name(name)) {
      throw sdk::SettingsError(reader.path("parents") + "." + name,
                               "expected a parent name of 1 to " +
                                   std::to_string(PROXY_PARENT_NAME_MAX) +
                                   " characters from [A-Za-z0-9_.-] other than \"direct\", got " +
                                   sdk::SettingsReader::describe(nlohmann::json(name)));
    }
    ParentSetting setting;
    setting.name = name;
    std::string why;
    const std::string address = parent.get(
        "address", sdk::setting::Text{"host:port, such as proxy.example:3128 or [::1]:3128"},
        sdk::required);
    const auto parsed = parse_parent_address(address, why);
    if (!parsed) {
      parent.reject("address", "host:port, such as proxy.example:3128 or [::1]:3128", why);
    }
    setting.address = *parsed;
    setting.credentials_file =
        parent.get("credentials_file",
                   sdk::setting::Text{"the path of a file holding user:password", path_problem},
                   std::string());
    parents.push_back(std::move(setting));
  }
  return parents;
}

std::string parent_names(const std::vector<ParentSetting>& parents) {
  if (parents.empty()) {
    return "none is defined";
  }
  std::string names;
  for (const ParentSetting& parent : parents) {
    names += (names.empty() ? "" : ", ") + parent.name;
  }
  return names;
}

std::vector<std::size_t> read_via(const sdk::SettingsReader& route,
                                  const std::vector<ParentSetting>& parents) {
  const ViaNames via = route.get("via", Via{}, sdk::required);
  if (via.names.size() == 1 && via.names[0] == direct_word) {
    return {};
  }
  const std::string expected = "a parent under parents (" + parent_names(parents) + ")";
  std::vector<std::size_t> indexes;
  for (std::size_t i = 0; i < via.names.size(); ++i) {
    const std::string& name = via.names[i];
    const auto found =
        std::find_if(parents.begin(), parents.end(),
                     [&](const ParentSetting& parent) { return parent.name == name; });
    std::string why;
    if (name == direct_word) {
      why = "\"direct\" stands alone: a route goes direct or through parents";
    } else if (found == parents.end()) {
      why = "no such parent";
    } else if (std::find(indexes.begin(), indexes.end(),
                         static_cast<std::size_t>(found - parents.begin())) != indexes.end()) {
      why = "named twice";
    }
    if (!why.empty()) {
      if (via.listed) {
        route.reject("via", i, expected, why);
      }
      route.reject("via", "\"direct\" or " + expected, why);
    }
    indexes.push_back(static_cast<std::size_t>(found - parents.begin()));
  }
  return indexes;
}

RouteSetting read_route(const sdk::SettingsReader& route,
                        const std::vector<ParentSetting>& parents) {
  constexpr std::string_view expected = "a host name, IP address or \"*\"";
  RouteSetting setting;
  const std::vector<std::string> entries = route.list(
      "domains", sdk::setting::Text{std::string(expected)}, sdk::required, sdk::ListSize{1});
  std::vector<std::string> names;
  std::vector<std::size_t> positions;  // where each of `names` was in `entries`
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i] == "*") {
      setting.every_host = true;
    } else {
      names.push_back(entries[i]);
      positions.push_back(i);
    }
  }
  try {
    setting.domains = common::DomainSet(names);
  } catch (const common::InvalidEntry& e) {
    route.reject("domains", positions[e.index()], expected, e.what());
  }
  setting.via = read_via(route, parents);
  return setting;
}

}  // namespace

Settings parse_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(settings, {"parents", "routes"});
  Settings parsed;
  parsed.parents = read_parents(reader);
  for (const sdk::SettingsReader& route : reader.sections("routes", {"domains", "via"})) {
    parsed.routes.push_back(read_route(route, parsed.parents));
  }
  return parsed;
}

std::string resolve_path(const std::string& path, const std::string& config_folder) {
  const std::filesystem::path file(path);
  if (file.is_absolute() || config_folder.empty()) {
    return path;
  }
  return (std::filesystem::path(config_folder) / file).string();
}

}  // namespace proxy::plugins::upstream_router
