#include "access_rules.hpp"

namespace proxy::plugins::access_policy {

bool AccessRules::client_allowed(std::string_view client_ip) const {
  return settings_.client_allow.contains(client_ip);
}

std::optional<Rejection> AccessRules::check_request(const RequestFacts& request) const {
  if (settings_.allowed_methods.find(request.method) == settings_.allowed_methods.end()) {
    return Rejection{405, "method not allowed by policy"};
  }
  if (request.is_connect && !settings_.connect_ports.test(request.port)) {
    return Rejection{403, "CONNECT port not allowed by policy"};
  }
  if (!request.host.empty() && settings_.blocked_domains.contains(request.host)) {
    return Rejection{403, "domain blocked by policy"};
  }
  return std::nullopt;
}

}  // namespace proxy::plugins::access_policy
