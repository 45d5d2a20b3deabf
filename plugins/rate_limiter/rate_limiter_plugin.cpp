#include "rate_limiter_plugin.hpp"

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "client_key.hpp"
#include "rate_limiter_settings.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

std::string describe(const Limits& limits) {
  const double seconds = std::chrono::duration<double>(limits.window).count();
  return fmt::format("rate limit exceeded: {} requests per {:g} s", limits.requests, seconds);
}

}  // namespace

RateLimiterPlugin::RateLimiterPlugin(sdk::PluginContext& context)
    : limiter_(parse_settings(context.settings())), refusal_reason_(describe(limiter_.limits())) {}

sdk::Decision RateLimiterPlugin::on_request(const sdk::Connection& conn, sdk::Request& request) {
  (void)request;
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const Admission admission = limiter_.admit(client_key(conn.client_key()), now);
  if (admission.allowed) {
    return sdk::Decision::allow();
  }
  return sdk::Decision::rate_limited(refusal_reason_, retry_after_seconds(admission.retry_after));
}

}  // namespace proxy::plugins::rate_limiter
