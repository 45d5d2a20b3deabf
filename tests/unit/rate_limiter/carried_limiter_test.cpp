#include "carried_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;

TEST(CarriedLimiter, ALiveInstanceWithTheSameLimitsSharesItsWindows) {
  const Limits limits{2, 60s, 100};
  const auto old_generation = carried_limiter("rate_limiter", limits);
  EXPECT_TRUE(old_generation->admit("client", 1s).allowed);
  EXPECT_TRUE(old_generation->admit("client", 1s).allowed);
  const auto new_generation = carried_limiter("rate_limiter", limits);
  EXPECT_EQ(new_generation, old_generation);
  EXPECT_FALSE(new_generation->admit("client", 2s).allowed);  // no fresh allowance
}

TEST(CarriedLimiter, NewLimitsStartTheWindowsAgain) {
  const auto old_generation = carried_limiter("rate_limiter", Limits{1, 60s, 100});
  EXPECT_TRUE(old_generation->admit("client", 1s).allowed);
  const auto new_generation = carried_limiter("rate_limiter", Limits{5, 60s, 100});
  EXPECT_NE(new_generation, old_generation);
  EXPECT_TRUE(new_generation->admit("client", 2s).allowed);
}

TEST(CarriedLimiter, OtherInstanceNamesAreIndependent) {
  const Limits limits{1, 60s, 100};
  EXPECT_NE(carried_limiter("limiter_a", limits), carried_limiter("limiter_b", limits));
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
