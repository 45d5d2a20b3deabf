#pragma once

#include <optional>
#include <string_view>

#include "sni_policy_settings.hpp"

namespace proxy::plugins::sni_policy {

// What the core saw at the start of a tunnel: the parts of sdk::ClientHello and
// sdk::Request the rules read.
struct TunnelFacts {
  bool is_tls = false;
  std::string_view sni;           // empty when not TLS or when the ClientHello has none
  bool has_ech = false;           // encrypted_client_hello present: `sni` is the outer name
  std::string_view connect_host;  // the CONNECT request's host
};

// sni_policy's decisions over frozen settings, free of the SDK so they are tested
// directly. Checked in this order:
//   1. not TLS: on_missing_sni decides alone;
//   2. encrypted_client_hello: closed when on_ech is block;
//   3. a ClientHello without SNI: on_missing_sni decides alone;
//   4. an SNI in `blocked`: closed;
//   5. `allowed` non-empty and the SNI not in it: closed;
//   6. require_host_match and the SNI is not the CONNECT host: closed. An IP-literal
//      CONNECT host never matches, since an SNI is always a name (RFC 6066 §3).
//
// @par Thread Safety
// Immutable after construction: any thread.
class SniRules {
 public:
  explicit SniRules(SniPolicySettings settings) : settings_(std::move(settings)) {}

  // The reason to close the tunnel, or nullopt to let it through.
  std::optional<std::string_view> check(const TunnelFacts& tunnel) const;

  const SniPolicySettings& settings() const { return settings_; }

 private:
  SniPolicySettings settings_;
};

// Whether `sni` names `connect_host`: ASCII case and trailing dots ignored. False when
// the host is an IP literal.
bool sni_matches_host(std::string_view sni, std::string_view connect_host);

}  // namespace proxy::plugins::sni_policy
