#pragma once

#include <string>
#include <string_view>

#include "credential_cache.hpp"
#include "failure_counter.hpp"
#include "periodic_task.hpp"
#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"
#include "proxy_auth_settings.hpp"
#include "users_source.hpp"
#include "verify_pool.hpp"

namespace proxy::plugins::proxy_auth {

// Basic proxy authentication (RFC 7617 over RFC 7235's Proxy-Authorization) against an
// htpasswd file, for plain HTTP and CONNECT alike. Per request, in this order:
//   client in bypass_networks                    -> allow
//   no, several or malformed Proxy-Authorization -> 407
//   the client is over max_failures this minute  -> 429, no hash run
//   user:password passed a check lately (cache) -> allow
//   otherwise a password check on the plugin's own threads (deferred): allow, or 407;
//   503 when the check queue is full.
// Passwords and hashes are never logged.
//
// @par Thread Safety
// on_request runs on several io threads at once; every member it uses locks its own state.
class ProxyAuthPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for invalid settings or a users file that cannot be used.
  explicit ProxyAuthPlugin(sdk::PluginContext& context);

  sdk::Decision on_request(const sdk::Connection& conn, sdk::Request& request) override;

 private:
  sdk::Decision require_credentials(std::string reason) const;
  sdk::Decision refuse_credentials(std::string reason) const;
  sdk::Decision too_many_failures(std::chrono::milliseconds wait) const;
  void refresh_users();

  sdk::PluginContext& context_;
  const Settings settings_;
  const std::string challenge_;  // the Proxy-Authenticate value of every 407
  UsersSource users_;
  CredentialCache cache_;
  FailureCounter failures_;
  // Destroyed before the members above, which its callbacks use.
  VerifyPool pool_;
  PeriodicTask users_watcher_;
};

// The config file's folder, which a relative users_file is taken from. See the .cpp.
std::string config_folder(const sdk::PluginContext& context);

}  // namespace proxy::plugins::proxy_auth
