#include "proxy_auth_settings.hpp"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

std::string realm_problem(std::string_view realm) {
  if (realm.empty()) {
    return "it is empty";
  }
  if (realm.size() > max_realm_bytes) {
    return "it is longer than " + std::to_string(max_realm_bytes) + " bytes";
  }
  return has_control(realm) ? "it holds a control character" : "";
}

std::string path_problem(std::string_view path) {
  if (path.empty()) {
    return "it is empty";
  }
  return path.find('\0') == std::string_view::npos ? "" : "it holds a NUL byte";
}

}  // namespace

Settings parse_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(
      settings, {"realm", "users_file", "cache_seconds", "bypass_networks", "max_failures",
                 "verify_threads", "verify_queue"});
  Settings parsed;
  parsed.realm =
      reader.get("realm",
                 sdk::setting::Text{"a realm name of 1 to " + std::to_string(max_realm_bytes) +
                                        " bytes without control characters",
                                    realm_problem},
                 parsed.realm);
  parsed.users_file =
      reader.get("users_file", sdk::setting::Text{"the path of an htpasswd file", path_problem},
                 parsed.users_file);
  parsed.cache_ttl = reader.get("cache_seconds",
                                sdk::setting::Seconds{.max = max_cache_seconds, .allow_zero = true},
                                parsed.cache_ttl);
  parsed.bypass_networks = reader.networks("bypass_networks", {});
  parsed.max_failures =
      reader.integer("max_failures", parsed.max_failures, std::uint32_t{0}, max_max_failures);
  parsed.verify_threads =
      reader.integer("verify_threads", parsed.verify_threads, std::size_t{1}, max_verify_threads);
  parsed.verify_queue =
      reader.integer("verify_queue", parsed.verify_queue, std::size_t{1}, max_verify_queue);
  return parsed;
}

std::string resolve_users_file(const std::string& users_file, const std::string& config_folder) {
  const std::filesystem::path path(users_file);
  if (path.is_absolute() || config_folder.empty()) {
    return users_file;
  }
  return (std::filesystem::path(config_folder) / path).string();
}

}  // namespace proxy::plugins::proxy_auth
