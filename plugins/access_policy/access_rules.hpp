#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "access_policy_settings.hpp"

namespace proxy::plugins::access_policy {

// Why a request is refused: the status and short reason the client gets.
struct Rejection {
  int status;
  std::string_view reason;

  bool operator==(const Rejection&) const = default;
};

// The request a decision is made on: the parts of sdk::Request the rules read.
struct RequestFacts {
  std::string_view method;
  std::string_view host;  // empty for requests without a target host
  std::uint16_t port = 0;
  bool is_connect = false;
};

// access_policy's decisions over frozen settings, free of the SDK so they are tested
// directly.
//
// @par Thread Safety
// Immutable after construction: any thread.
class AccessRules {
 public:
  explicit AccessRules(AccessPolicySettings settings) : settings_(std::move(settings)) {}

  // Whether a client at `client_ip` may connect at all (client_allow).
  bool client_allowed(std::string_view client_ip) const;

  // nullopt when the request may go on. Checked in this order: the method
  // (allowed_methods, 405), a CONNECT's port (connect_ports, 403), then the target host
  // (blocked_domains, 403; skipped when the request names no host).
  std::optional<Rejection> check_request(const RequestFacts& request) const;

  const AccessPolicySettings& settings() const { return settings_; }

 private:
  AccessPolicySettings settings_;
};

}  // namespace proxy::plugins::access_policy
