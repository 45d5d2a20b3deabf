#include "access_policy_settings.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "domain_setting.hpp"
#include "proxy/sdk/settings.hpp"

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

// Why `method` is not a method token, or "" when it is one.
std::string method_problem(std::string_view method) {
  if (method.empty()) {
    return "it is empty";
  }
  const auto bad = std::find_if_not(method.begin(), method.end(), is_tchar);
  if (bad == method.end()) {
    return "";
  }
  if (*bad > ' ' && *bad < 0x7f) {
    return std::string("'") + *bad + "' cannot appear in a token";
  }
  return "spaces, control characters and non-ASCII bytes cannot appear in a token";
}

}  // namespace

AccessPolicySettings parse_access_policy_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(
      settings, {"blocked_domains", "allowed_methods", "connect_ports", "client_allow"});
  AccessPolicySettings out;
  out.client_allow = reader.networks("client_allow", {"127.0.0.0/8", "::1/128"});
  out.blocked_domains = common::read_domains(reader, "blocked_domains");

  const sdk::setting::Text method{"an HTTP method token such as GET", method_problem};
  for (std::string& name :
       reader.list("allowed_methods", method,
                   {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT"})) {
    if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      out.unusual_methods.push_back(name);
    }
    out.allowed_methods.insert(std::move(name));
  }

  const sdk::setting::Integer<std::uint16_t> port{1, 65535, "a port number from 1 to 65535"};
  for (const std::uint16_t number : reader.list("connect_ports", port, {443})) {
    out.connect_ports.set(number);
  }
  return out;
}

}  // namespace proxy::plugins::access_policy
