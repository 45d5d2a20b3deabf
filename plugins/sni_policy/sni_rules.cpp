#include "sni_rules.hpp"

#include "ip_address.hpp"
#include "proxy/sdk/types.hpp"

namespace proxy::plugins::sni_policy {
namespace {

std::string_view trim_trailing_dots(std::string_view name) {
  while (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return name;
}

}  // namespace

bool sni_matches_host(std::string_view sni, std::string_view connect_host) {
  if (common::parse_numeric_host(trim_trailing_dots(connect_host))) {
    return false;
  }
  sni = trim_trailing_dots(sni);
  return !sni.empty() && sdk::iequals(sni, trim_trailing_dots(connect_host));
}

std::optional<std::string_view> SniRules::check(const TunnelFacts& tunnel) const {
  if (!tunnel.is_tls) {
    return settings_.block_missing_sni ? std::optional<std::string_view>("not a TLS ClientHello")
                                       : std::nullopt;
  }
  if (tunnel.has_ech && settings_.block_ech) {
    return "encrypted_client_hello refused by policy";
  }
  if (tunnel.sni.empty()) {
    return settings_.block_missing_sni ? std::optional<std::string_view>("ClientHello without SNI")
                                       : std::nullopt;
  }
  if (settings_.blocked.contains(tunnel.sni)) {
    return "SNI blocked by policy";
  }
  if (!settings_.allowed.empty() && !settings_.allowed.contains(tunnel.sni)) {
    return "SNI not in the allowed list";
  }
  if (settings_.require_host_match && !sni_matches_host(tunnel.sni, tunnel.connect_host)) {
    return "SNI does not match the CONNECT host";
  }
  return std::nullopt;
}

}  // namespace proxy::plugins::sni_policy
