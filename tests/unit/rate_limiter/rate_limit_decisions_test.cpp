#include "rate_limit_decisions.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;

std::optional<std::string> attribute(const sdk::Decision& decision, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [key, value] : decision.attributes()) {
    if (key == name) {
      found = value;
    }
  }
  return found;
}

RateLimitDecisions decisions(OnError on_error) {
  RedisSettings redis;
  redis.on_error = on_error;
  redis.timeout = 50ms;
  return RateLimitDecisions(Limits{20, 1500ms, 10}, redis);
}

TEST(RateLimitDecisions, AllowedCarriesItsResult) {
  const sdk::Decision d = decisions(OnError::allow).allowed();
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(attribute(d, "rate_limit"), "allowed");
  EXPECT_EQ(attribute(d, "rate_limit_error"), std::nullopt);
}

TEST(RateLimitDecisions, LimitedIs429WithRetryAfterAndTheLimitInTheReason) {
  const sdk::Decision d = decisions(OnError::allow).limited(1001ms);
  EXPECT_EQ(d.status(), 429);
  EXPECT_EQ(d.retry_after_seconds(), 2U);
  EXPECT_EQ(d.reason(), "rate limit exceeded: 20 requests per 1.5 s");
  EXPECT_EQ(attribute(d, "rate_limit"), "limited");
  EXPECT_EQ(decisions(OnError::allow).limited(0ms).retry_after_seconds(), 1U);
}

TEST(RateLimitDecisions, RedisAnswersMapToTheSameDecisionsAsLocalOnes) {
  const RateLimitDecisions made = decisions(OnError::deny);
  EXPECT_TRUE(made.answer(RemoteAnswer{RemoteVerdict::allowed, {}}).allowed());
  const sdk::Decision limited = made.answer(RemoteAnswer{RemoteVerdict::limited, 2500ms});
  EXPECT_EQ(limited.status(), 429);
  EXPECT_EQ(limited.retry_after_seconds(), 3U);
}

TEST(RateLimitDecisions, RedisDecisionsSayHowLongRedisTook) {
  const RateLimitDecisions made = decisions(OnError::deny);
  const sdk::Decision allowed =
      made.answer(RemoteAnswer{RemoteVerdict::allowed, {}, std::chrono::microseconds(1500)});
  EXPECT_EQ(attribute(allowed, "rate_limit_store_us"), "1500");
  const sdk::Decision limited =
      made.answer(RemoteAnswer{RemoteVerdict::limited, 2500ms, std::chrono::microseconds(80)});
  EXPECT_EQ(attribute(limited, "rate_limit_store_us"), "80");
  // No answer, no latency: those are counted as errors instead.
  const sdk::Decision timeout = made.answer(RemoteAnswer{RemoteVerdict::timeout, {}});
  EXPECT_EQ(attribute(timeout, "rate_limit_store_us"), std::nullopt);
  EXPECT_EQ(attribute(made.allowed(), "rate_limit_store_us"), std::nullopt);
}

TEST(RateLimitDecisions, OnErrorAllowLetsTheRequestThroughAndSaysWhy) {
  const RateLimitDecisions made = decisions(OnError::allow);
  for (const auto& [verdict, why] : {std::pair{RemoteVerdict::timeout, "timeout"},
                                     std::pair{RemoteVerdict::unavailable, "unavailable"},
                                     std::pair{RemoteVerdict::error_reply, "error_reply"},
                                     std::pair{RemoteVerdict::overloaded, "overloaded"}}) {
    const sdk::Decision d = made.answer(RemoteAnswer{verdict, {}});
    EXPECT_TRUE(d.allowed()) << why;
    EXPECT_EQ(attribute(d, "rate_limit"), "error_allowed") << why;
    EXPECT_EQ(attribute(d, "rate_limit_error"), why);
  }
}

TEST(RateLimitDecisions, OnErrorDenyIs503WithRetryAfterAndSaysWhy) {
  const RateLimitDecisions made = decisions(OnError::deny);
  const sdk::Decision timeout = made.answer(RemoteAnswer{RemoteVerdict::timeout, {}});
  EXPECT_EQ(timeout.status(), 503);
  EXPECT_EQ(timeout.retry_after_seconds(), 1U);
  EXPECT_EQ(timeout.reason(), "rate limit not checked: Redis did not answer within 50 ms");
  EXPECT_EQ(attribute(timeout, "rate_limit"), "error_denied");
  EXPECT_EQ(attribute(timeout, "rate_limit_error"), "timeout");
  const sdk::Decision down = made.on_error(RemoteVerdict::unavailable);
  EXPECT_EQ(down.status(), 503);
  EXPECT_EQ(down.reason(), "rate limit not checked: no connection to Redis");
  EXPECT_EQ(attribute(down, "rate_limit_error"), "unavailable");
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
