#include "allowlist_settings.hpp"

#include <cstdint>
#include <string_view>

#include <proxy/sdk.hpp>

namespace slow_allowlist {
namespace {

namespace setting = proxy::sdk::setting;

constexpr std::uint64_t max_millis = 600'000;  // ten minutes
constexpr std::size_t max_pending_limit = 1'000'000;

std::string host_problem(std::string_view host) {
  if (host.empty()) {
    return "it is empty";
  }
  return host.find_first_of(" /:\t\r\n") == std::string_view::npos ? "" : "it is not a host name";
}

}  // namespace

AllowlistSettings parse_allowlist_settings(const nlohmann::json& settings) {
  const proxy::sdk::SettingsReader reader(
      settings, {"allowed", "lookup_delay_ms", "timeout_ms", "max_pending"});
  AllowlistSettings parsed;
  parsed.allowed = reader.list(
      "allowed", setting::Text{"a host name without spaces, '/' or ':'", host_problem}, {});
  parsed.lookup_delay = std::chrono::milliseconds(reader.integer<std::uint64_t>(
      "lookup_delay_ms", static_cast<std::uint64_t>(parsed.lookup_delay.count()), 0, max_millis));
  parsed.timeout = std::chrono::milliseconds(reader.integer<std::uint64_t>(
      "timeout_ms", static_cast<std::uint64_t>(parsed.timeout.count()), 0, max_millis));
  parsed.max_pending = reader.integer("max_pending", parsed.max_pending, 0, max_pending_limit);
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
