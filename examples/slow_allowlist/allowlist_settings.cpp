#include "allowlist_settings.hpp"

#include <cstdint>
#include <string_view>

#include <proxy/sdk.hpp>

namespace slow_allowlist {
namespace {

using proxy::sdk::SettingsError;

constexpr std::uint64_t max_millis = 600'000;  // ten minutes
constexpr std::uint64_t max_pending_limit = 1'000'000;

std::uint64_t integer_in(const nlohmann::json& value, const char* key, std::uint64_t maximum) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > maximum) {
    throw SettingsError(key, "expected an integer from 0 to " + std::to_string(maximum));
  }
  return value.get<std::uint64_t>();
}

std::vector<std::string> host_list(const nlohmann::json& value) {
  if (!value.is_array()) {
    throw SettingsError("allowed", "expected a list of host names");
  }
  std::vector<std::string> hosts;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto& entry = value[i];
    const std::string key = "allowed[" + std::to_string(i) + "]";
    if (!entry.is_string() || entry.get<std::string>().empty()) {
      throw SettingsError(key, "expected a non-empty host name");
    }
    std::string host = entry.get<std::string>();
    if (host.find_first_of(" /:\t\r\n") != std::string::npos) {
      throw SettingsError(key, "expected a host name without spaces, '/' or ':'");
    }
    hosts.push_back(std::move(host));
  }
  return hosts;
}

}  // namespace

AllowlistSettings parse_allowlist_settings(const nlohmann::json& settings) {
  AllowlistSettings parsed;
  if (settings.is_null()) {
    return parsed;
  }
  if (!settings.is_object()) {
    throw SettingsError("", "expected a mapping");
  }
  for (const auto& [key, value] : settings.items()) {
    if (key == "allowed") {
      parsed.allowed = host_list(value);
    } else if (key == "lookup_delay_ms") {
      parsed.lookup_delay =
          std::chrono::milliseconds(integer_in(value, "lookup_delay_ms", max_millis));
    } else if (key == "timeout_ms") {
      parsed.timeout = std::chrono::milliseconds(integer_in(value, "timeout_ms", max_millis));
    } else if (key == "max_pending") {
      parsed.max_pending = integer_in(value, "max_pending", max_pending_limit);
    } else {
      throw SettingsError(key,
                          "unknown setting (expected one of: allowed, lookup_delay_ms, "
                          "timeout_ms, max_pending)");
    }
  }
  return parsed;
}

bool host_matches(std::string_view host, std::string_view name) {
  if (host.size() == name.size()) {
    return proxy::sdk::iequals(host, name);
  }
  // A subdomain: "<label>.<name>".
  return host.size() > name.size() && host[host.size() - name.size() - 1] == '.' &&
         proxy::sdk::iequals(host.substr(host.size() - name.size()), name);
}

}  // namespace slow_allowlist
