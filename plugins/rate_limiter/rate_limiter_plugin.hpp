#pragma once

#include <memory>
#include <string>

#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"
#include "rate_limit_decisions.hpp"
#include "rate_limiter_settings.hpp"
#include "redis_limiter.hpp"
#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {

// Limits each client IP, or each user (key: user), to `requests` per sliding `window`
// seconds (a sliding-window counter); CONNECT counts as a request. Beyond the limit the
// request is answered 429 with a Retry-After that says when a retry is admitted.
//
// backend: local counts in this process. backend: redis counts in Redis, so every
// instance sharing it enforces one limit: the hook defers, the plugin's own thread asks
// Redis (one script per decision) and completes the decision, within redis.timeout_ms or
// by on_error. Every decision carries the rate_limit attribute for the metrics.
//
// @par Thread Safety
// on_request may run on several io threads at once; the local limiter shards its state,
// the Redis backend hands each question to its own thread.
class RateLimiterPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for invalid settings.
  explicit RateLimiterPlugin(sdk::PluginContext& context);

  sdk::Decision on_request(const sdk::Connection& conn, sdk::Request& request) override;

 private:
  std::string key_of(const sdk::Connection& conn, const sdk::Request& request) const;
  sdk::Decision ask_redis(const sdk::Connection& conn, const std::string& key);

  const Settings settings_;
  const RateLimitDecisions decisions_;
  // backend: local; shared with the same-named instance of an older generation.
  std::shared_ptr<SlidingWindowLimiter> local_;
  // backend: redis. Last: destroyed first, answering what waits while the rest lives.
  std::unique_ptr<RedisLimiter> redis_;
};

}  // namespace proxy::plugins::rate_limiter
