#pragma once

#include <chrono>

#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"
#include "sni_rules.hpp"

namespace proxy::plugins::sni_policy {

// Decides CONNECT tunnels on the first client bytes: the TLS ClientHello's SNI against
// blocked/allowed lists, what to do without SNI or with encrypted_client_hello, and
// optionally that the SNI names the CONNECT host. A refused tunnel is closed before any
// peeked byte reaches the upstream. See README.md beside this file.
//
// @par Thread Safety
// Immutable after construction; on_sni runs on any io thread.
class SniPolicyPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for unknown keys, wrong types and bad values.
  explicit SniPolicyPlugin(sdk::PluginContext& context);

  sdk::Decision on_sni(const sdk::Connection& conn, const sdk::Request& request,
                       const sdk::ClientHello& hello) override;
  // peek_timeout: how long the core waits for the first client bytes.
  std::chrono::milliseconds sni_peek_timeout() const override {
    return rules_.settings().peek_timeout;
  }

 private:
  sdk::PluginContext& context_;
  const SniRules rules_;
};

}  // namespace proxy::plugins::sni_policy
