#pragma once

#include <chrono>
#include <string>

#include "proxy/sdk/decision.hpp"
#include "rate_limiter_settings.hpp"
#include "remote_answer.hpp"

namespace proxy::plugins::rate_limiter {

// The decisions the plugin answers with, each carrying the rate_limit attribute
// (allowed | limited | error_allowed | error_denied) and, for an error, the
// rate_limit_error one (timeout | unavailable | error_reply | overloaded), from which
// the metrics plugin counts proxy_rate_limit_decisions_total{result} and
// proxy_redis_errors_total{reason}.
//
// @par Thread Safety
// Immutable after construction: any thread.
class RateLimitDecisions {
 public:
  RateLimitDecisions(const Limits& limits, const RedisSettings& redis);

  sdk::Decision allowed() const;
  // 429 with the reason and a Retry-After of `wait` rounded up to seconds (at least 1).
  sdk::Decision limited(std::chrono::milliseconds wait) const;
  // Redis's answer, or on_error when it gave none.
  sdk::Decision answer(const RemoteAnswer& answer) const;
  // What on_error makes of a decision that got no answer for `why`.
  sdk::Decision on_error(RemoteVerdict why) const;

  const std::string& refusal_reason() const { return refusal_reason_; }

 private:
  std::string denial_reason(RemoteVerdict why) const;

  std::string refusal_reason_;  // "rate limit exceeded: 100 requests per 1 s"
  OnError on_error_;
  std::chrono::milliseconds timeout_;
};

}  // namespace proxy::plugins::rate_limiter
