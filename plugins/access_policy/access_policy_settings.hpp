#pragma once

#include <bitset>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain_set.hpp"
#include "proxy/sdk/network.hpp"

namespace proxy::plugins::access_policy {

// HTTP method names; exact comparison, since methods are case-sensitive (RFC 9110 §9.1).
// Transparent, so a request's method is looked up as a string_view.
struct MethodHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view method) const {
    return std::hash<std::string_view>{}(method);
  }
};
using MethodSet = std::unordered_set<std::string, MethodHash, std::equal_to<>>;

// plugins.settings.access_policy, validated and frozen at startup.
struct AccessPolicySettings {
  sdk::NetworkList client_allow;
  common::DomainSet blocked_domains;
  MethodSet allowed_methods;
  std::bitset<65536> connect_ports;
  // Method names given in lower or mixed case: valid tokens, but they match no
  // ordinary request; the plugin warns about them at startup.
  std::vector<std::string> unusual_methods;
};

// Reads the settings with the defaults of DESIGN.md's configuration schema. Throws
// sdk::SettingsError naming the key (and list index) of the first bad value.
AccessPolicySettings parse_access_policy_settings(const nlohmann::json& settings);

}  // namespace proxy::plugins::access_policy
