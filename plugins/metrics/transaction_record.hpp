#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "proxy/sdk/types.hpp"

namespace proxy::plugins::metrics {

// What the metrics take from one finished transaction. Views borrow the transaction:
// valid during on_close only.
struct TransactionRecord {
  enum class Kind {
    request,     // a proxied plain HTTP request
    tunnel,      // a CONNECT tunnel
    connection,  // closed at accept, or its request head refused (400/408/431)
    admin,       // a request for the proxy's own endpoints (/_metrics, ...)
  };

  Kind kind = Kind::request;
  std::string_view method;
  int status = 0;  // 0: no status was sent
  std::uint64_t bytes_client_to_upstream = 0;
  std::uint64_t bytes_upstream_to_client = 0;
  std::uint64_t duration_us = 0;
  bool blocked = false;
  std::string_view blocked_by;  // the plugin (or "core") that blocked it
  std::uint32_t worker = 0;     // the io thread it ran on
  // Why an authentication plugin refused the attempt (the auth_failure attribute);
  // empty when it was not a failed attempt.
  std::string_view auth_failure;
  // What a rate limiter decided (the rate_limit attribute) and, when its store gave no
  // answer, why (rate_limit_error); empty when no rate limiter decided it.
  std::string_view rate_limit;
  std::string_view rate_limit_error;
  // How long the rate limiter's shared store took to answer (rate_limit_store_us), when
  // it answered; a value that is not a decimal number of microseconds is left out.
  std::optional<std::uint64_t> rate_limit_store_us;
};

// Classifies a transaction:
// - admin: a request whose target is origin-form ("/path"): the core serves those
//   itself and never forwards them, so they are not proxy traffic;
// - blocked: a reject or close verdict (a deferred decision that timed out is a reject
//   with 503), or the core refusing on its own with a 4xx (a destination in
//   upstream.deny_networks: 403). Not blocked: a failed hook (a plugin threw: 500) and
//   an unreachable or slow upstream (502/504); those show in the response codes.
TransactionRecord record_of(const sdk::Transaction& transaction);

}  // namespace proxy::plugins::metrics
