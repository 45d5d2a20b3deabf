#pragma once

#include <atomic>
#include <cstdint>

#include <string>

#include "access_rules.hpp"
#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"

namespace proxy::plugins::access_policy {

// Who may use the proxy and for what: closes connections from clients outside
// client_allow at accept, and refuses requests by method (405), CONNECT port (403) and
// target domain (403). See README.md beside this file.
//
// @par Thread Safety
// The rules are immutable after construction; the one counter is atomic. Hooks run on
// any io thread.
class AccessPolicyPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for unknown keys, wrong types and bad values.
  explicit AccessPolicyPlugin(sdk::PluginContext& context);

  sdk::Decision on_accept(const sdk::Connection& conn) override;
  sdk::Decision on_request(const sdk::Connection& conn, sdk::Request& request) override;

  // Connections closed at accept since startup. on_close sees each of them too, as a
  // connection transaction decided by access_policy; this count is for the debug log.
  std::uint64_t clients_refused() const { return clients_refused_.load(std::memory_order_relaxed); }

 private:
  sdk::PluginContext& context_;
  const AccessRules rules_;
  std::string allow_header_;  // the Allow value a 405 carries: allowed_methods, sorted
  std::atomic<std::uint64_t> clients_refused_{0};
};

}  // namespace proxy::plugins::access_policy
