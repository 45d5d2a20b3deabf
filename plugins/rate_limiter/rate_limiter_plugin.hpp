#pragma once

#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"
#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {

// Limits each client IP to `requests` per sliding `window` seconds (a sliding-window
// counter); CONNECT counts as a request. Beyond the limit the request is answered 429
// with a Retry-After that says when a retry is admitted.
//
// @par Thread Safety
// on_request may run on several io threads at once; the limiter shards its state.
class RateLimiterPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for invalid settings.
  explicit RateLimiterPlugin(sdk::PluginContext& context);

  sdk::Decision on_request(const sdk::Connection& conn, sdk::Request& request) override;

 private:
  SlidingWindowLimiter limiter_;
  std::string refusal_reason_;
};

}  // namespace proxy::plugins::rate_limiter
