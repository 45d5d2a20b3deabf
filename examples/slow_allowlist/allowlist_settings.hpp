#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace slow_allowlist {

// plugins.settings.slow_allowlist, validated.
struct AllowlistSettings {
  // Hosts the stand-in service approves; a name also covers its subdomains.
  std::vector<std::string> allowed;
  // How long the stand-in service takes to answer.
  std::chrono::milliseconds lookup_delay{100};
  // How long a request waits for the answer before failing closed with 503; 0 leaves
  // the bound to the host's timeouts.hook.
  std::chrono::milliseconds timeout{1000};
  // Lookups in flight at once; beyond it a request fails closed with 503 at once.
  std::size_t max_pending = 1000;
};

// Throws proxy::sdk::SettingsError naming the key.
AllowlistSettings parse_allowlist_settings(const nlohmann::json& settings);

// True when `host` is `name` or a subdomain of it (ASCII case-insensitive).
bool host_matches(std::string_view host, std::string_view name);

}  // namespace slow_allowlist
