#include "sni_policy_plugin.hpp"

#include <string>

#include "log_text.hpp"

namespace proxy::plugins::sni_policy {

using common::quoted;

SniPolicyPlugin::SniPolicyPlugin(sdk::PluginContext& context)
    : context_(context), rules_(parse_sni_policy_settings(context.settings())) {
  const SniPolicySettings& settings = rules_.settings();
  context.log().debug(
      "{} blocked, {} allowed, missing SNI: {}, ECH: {}, peek timeout {} ms, "
      "host match {}",
      settings.blocked.size(), settings.allowed.size(),
      settings.block_missing_sni ? "block" : "allow", settings.block_ech ? "block" : "allow",
      settings.peek_timeout.count(), settings.require_host_match ? "required" : "not required");
}

sdk::Decision SniPolicyPlugin::on_sni(const sdk::Connection& conn, const sdk::Request& request,
                                      const sdk::ClientHello& hello) {
  const auto reason =
      rules_.check(TunnelFacts{hello.is_tls(), hello.sni(), hello.has_ech(), request.host()});
  if (!reason) {
    return sdk::Decision::allow();
  }
  // The core hands over a validated SNI (letters, digits, '-', '.') and host; both are
  // still escaped, so a log line can never carry raw client bytes.
  context_.log().info("conn {}: tunnel to {}:{} closed, sni {}: {}", conn.id(),
                      quoted(request.host()), request.port(), quoted(hello.sni()), *reason);
  return sdk::Decision::close(std::string(*reason));
}

}  // namespace proxy::plugins::sni_policy
