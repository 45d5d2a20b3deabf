#include "access_policy_plugin.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "log_text.hpp"

namespace proxy::plugins::access_policy {

using common::quoted;

AccessPolicyPlugin::AccessPolicyPlugin(sdk::PluginContext& context)
    : context_(context), rules_(parse_access_policy_settings(context.settings())) {
  const AccessPolicySettings& settings = rules_.settings();
  if (settings.client_allow.empty()) {
    context.log().warn("client_allow is empty: every connection will be closed");
  }
  if (settings.allowed_methods.empty()) {
    context.log().warn("allowed_methods is empty: every request will get 405");
  }
  for (const std::string& method : settings.unusual_methods) {
    context.log().warn(
        "allowed_methods: '{}' has lowercase letters; methods compare "
        "case-sensitively, so it does not allow its uppercase form",
        method);
  }
  std::vector<std::string> methods(settings.allowed_methods.begin(),
                                   settings.allowed_methods.end());
  std::sort(methods.begin(), methods.end());
  for (const std::string& method : methods) {
    allow_header_.append(allow_header_.empty() ? "" : ", ").append(method);
  }
  context.log().debug("{} client networks, {} blocked domains, {} methods, {} CONNECT ports",
                      settings.client_allow.size(), settings.blocked_domains.size(),
                      settings.allowed_methods.size(), settings.connect_ports.count());
}

sdk::Decision AccessPolicyPlugin::on_accept(const sdk::Connection& conn) {
  if (rules_.client_allowed(conn.client_ip())) {
    return sdk::Decision::allow();
  }
  const std::uint64_t refused = clients_refused_.fetch_add(1, std::memory_order_relaxed) + 1;
  context_.log().debug("conn {}: client {} is not in client_allow; closed ({} refused so far)",
                       conn.id(), quoted(conn.client_ip()), refused);
  return sdk::Decision::close("client not allowed by policy");
}

sdk::Decision AccessPolicyPlugin::on_request(const sdk::Connection& conn, sdk::Request& request) {
  const auto rejection = rules_.check_request(
      RequestFacts{request.method(), request.host(), request.port(), request.is_connect()});
  if (!rejection) {
    return sdk::Decision::allow();
  }
  context_.log().debug("conn {}: {} {}:{} refused with {}: {}", conn.id(), quoted(request.method()),
                       quoted(request.host()), request.port(), rejection->status,
                       rejection->reason);
  sdk::Decision decision = sdk::Decision::reject(rejection->status, std::string(rejection->reason));
  if (rejection->status == 405) {
    decision.with_header("Allow", allow_header_);  // RFC 9110 §15.5.6: a 405 lists them
  }
  return decision;
}

}  // namespace proxy::plugins::access_policy
