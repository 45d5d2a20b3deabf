#include "sni_policy_settings.hpp"

#include "domain_setting.hpp"
#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::sni_policy {

SniPolicySettings parse_sni_policy_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(settings, {"blocked", "allowed", "on_missing_sni", "on_ech",
                                              "peek_timeout", "require_host_match"});
  SniPolicySettings out;
  out.blocked = common::read_domains(reader, "blocked");
  out.allowed = common::read_domains(reader, "allowed");
  out.block_missing_sni = reader.choice("on_missing_sni", {"block", "allow"}, "block") == "block";
  out.block_ech = reader.choice("on_ech", {"allow", "block"}, "allow") == "block";
  out.peek_timeout = reader.seconds("peek_timeout", out.peek_timeout, max_peek_timeout_seconds);
  out.require_host_match = reader.boolean("require_host_match", false);
  return out;
}

}  // namespace proxy::plugins::sni_policy
