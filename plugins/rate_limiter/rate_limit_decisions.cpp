#include "rate_limit_decisions.hpp"

#include <fmt/format.h>

namespace proxy::plugins::rate_limiter {
namespace {

std::string describe(const Limits& limits) {
  const double seconds = std::chrono::duration<double>(limits.window).count();
  return fmt::format("rate limit exceeded: {} requests per {:g} s", limits.requests, seconds);
}

std::string_view error_name(RemoteVerdict why) {
  switch (why) {
    case RemoteVerdict::timeout:
      return sdk::rate_limit_error_timeout;
    case RemoteVerdict::error_reply:
      return sdk::rate_limit_error_reply;
    case RemoteVerdict::overloaded:
      return sdk::rate_limit_error_overloaded;
    case RemoteVerdict::unavailable:
    case RemoteVerdict::allowed:
    case RemoteVerdict::limited:
      break;
  }
  return sdk::rate_limit_error_unavailable;
}

sdk::Decision with_result(sdk::Decision decision, std::string_view result) {
  return std::move(decision).with_attribute(std::string(sdk::attribute_rate_limit),
                                            std::string(result));
}

sdk::Decision with_store_wait(sdk::Decision decision, std::chrono::microseconds waited) {
  return std::move(decision).with_attribute(std::string(sdk::attribute_rate_limit_store_us),
                                            std::to_string(waited.count()));
}

}  // namespace

RateLimitDecisions::RateLimitDecisions(const Limits& limits, const RedisSettings& redis)
    : refusal_reason_(describe(limits)), on_error_(redis.on_error), timeout_(redis.timeout) {}

sdk::Decision RateLimitDecisions::allowed() const {
  return with_result(sdk::Decision::allow(), sdk::rate_limit_allowed);
}

sdk::Decision RateLimitDecisions::limited(std::chrono::milliseconds wait) const {
  return with_result(sdk::Decision::rate_limited(refusal_reason_, retry_after_seconds(wait)),
                     sdk::rate_limit_limited);
}

sdk::Decision RateLimitDecisions::answer(const RemoteAnswer& answer) const {
  switch (answer.verdict) {
    case RemoteVerdict::allowed:
      return with_store_wait(allowed(), answer.waited);
    case RemoteVerdict::limited:
      return with_store_wait(limited(answer.retry_after), answer.waited);
    case RemoteVerdict::timeout:
    case RemoteVerdict::unavailable:
    case RemoteVerdict::error_reply:
    case RemoteVerdict::overloaded:
      break;
  }
  return on_error(answer.verdict);
}

sdk::Decision RateLimitDecisions::on_error(RemoteVerdict why) const {
  const std::string_view error = error_name(why);
  sdk::Decision decision = on_error_ == OnError::allow
                               ? with_result(sdk::Decision::allow(), sdk::rate_limit_error_allowed)
                               : with_result(sdk::Decision::unavailable(denial_reason(why), 1),
                                             sdk::rate_limit_error_denied);
  return std::move(decision).with_attribute(std::string(sdk::attribute_rate_limit_error),
                                            std::string(error));
}

std::string RateLimitDecisions::denial_reason(RemoteVerdict why) const {
  switch (why) {
    case RemoteVerdict::timeout:
      return fmt::format("rate limit not checked: Redis did not answer within {} ms",
                         timeout_.count());
    case RemoteVerdict::error_reply:
      return "rate limit not checked: Redis answered with an error";
    case RemoteVerdict::overloaded:
      return "rate limit not checked: too many decisions waiting for Redis";
    case RemoteVerdict::unavailable:
    case RemoteVerdict::allowed:
    case RemoteVerdict::limited:
      break;
  }
  return "rate limit not checked: no connection to Redis";
}

}  // namespace proxy::plugins::rate_limiter
