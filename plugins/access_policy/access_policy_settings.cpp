#include "access_policy_settings.hpp"

#include <algorithm>

#include "proxy/sdk/context.hpp"
#include "settings_reader.hpp"

namespace proxy::plugins::access_policy {
namespace {

// RFC 9110 §5.6.2 tchar: what a method token may contain.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return specials.find(c) != std::string_view::npos;
}

}  // namespace

const std::vector<std::string>& default_client_allow() {
  static const std::vector<std::string> networks = {"127.0.0.0/8", "::1/128"};
  return networks;
}

const std::vector<std::string>& default_allowed_methods() {
  static const std::vector<std::string> methods = {"GET",   "HEAD",   "POST",    "PUT",
                                                   "PATCH", "DELETE", "OPTIONS", "CONNECT"};
  return methods;
}

const std::vector<std::uint16_t>& default_connect_ports() {
  static const std::vector<std::uint16_t> ports = {443};
  return ports;
}

AccessPolicySettings parse_access_policy_settings(const nlohmann::json& settings) {
  const common::SettingsReader reader(
      settings, {"blocked_domains", "allowed_methods", "connect_ports", "client_allow"});
  AccessPolicySettings out;
  out.client_allow = reader.networks("client_allow", default_client_allow());
  out.blocked_domains = reader.domains("blocked_domains");

  const std::vector<std::string> methods =
      reader.strings("allowed_methods", default_allowed_methods());
  for (std::size_t i = 0; i < methods.size(); ++i) {
    const std::string& method = methods[i];
    if (method.empty() || !std::all_of(method.begin(), method.end(), is_tchar)) {
      throw sdk::SettingsError("allowed_methods[" + std::to_string(i) + "]",
                               "expected an HTTP method token such as GET");
    }
    if (std::any_of(method.begin(), method.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      out.unusual_methods.push_back(method);
    }
    out.allowed_methods.insert(method);
  }

  for (const std::uint16_t port : reader.ports("connect_ports", default_connect_ports())) {
    out.connect_ports.set(port);
  }
  return out;
}

}  // namespace proxy::plugins::access_policy
