#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "proxy/sdk/network.hpp"

namespace proxy::plugins::proxy_auth {

inline constexpr std::size_t max_realm_bytes = 128;
inline constexpr double max_cache_seconds = 86'400;
inline constexpr std::uint32_t max_max_failures = 1'000'000;
inline constexpr std::size_t max_verify_threads = 64;
inline constexpr std::size_t max_verify_queue = 65'536;

struct Settings {
  std::string realm = "proxy-server";
  std::string users_file = "users.htpasswd";  // as written; see resolve_users_file()
  std::chrono::milliseconds cache_ttl = std::chrono::seconds(300);  // 0: no cache
  sdk::NetworkList bypass_networks;
  std::uint32_t max_failures = 10;  // per client per minute; 0: no limit
  std::size_t verify_threads = 2;
  std::size_t verify_queue = 64;  // checks waiting; beyond it 503
};

// plugins.settings.proxy_auth, validated strictly through the SDK's reader: unknown keys,
// wrong types and values out of range throw sdk::SettingsError naming the key. The realm
// is 1 to max_realm_bytes bytes without control characters (it is sent in a header).
Settings parse_settings(const nlohmann::json& settings);

// `users_file` as a path to open: kept when absolute, else taken relative to
// `config_folder` (kept relative, to the working directory, when that is empty).
std::string resolve_users_file(const std::string& users_file, const std::string& config_folder);

}  // namespace proxy::plugins::proxy_auth
