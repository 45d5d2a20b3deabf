#include "sliding_window_limiter.hpp"

#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr nanoseconds t0 = 1000s;  // an arbitrary monotonic epoch offset, a window start

Limits limits(std::uint64_t requests, milliseconds window, std::size_t clients = 1000) {
  return Limits{requests, window, clients};
}

TEST(SlidingWindowLimiter, AdmitsNThenRefusesTheNextInTheSameWindow) {
  SlidingWindowLimiter limiter(limits(3, 1s));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.admit("a", t0).allowed) << i;
  }
  const Admission fourth = limiter.admit("a", t0);
  EXPECT_FALSE(fourth.allowed);
  EXPECT_EQ(fourth.retry_after, 1001ms);  // the window's end, and 1 ms more
  EXPECT_EQ(retry_after_seconds(fourth.retry_after), 2U);
}

TEST(SlidingWindowLimiter, TimeIsCountedInWholeMillisecondsRoundedDown) {
  SlidingWindowLimiter limiter(limits(1, 1s));
  ASSERT_TRUE(limiter.admit("a", t0 + 999ms + 999999ns).allowed);  // 999 ms in
  const Admission refused = limiter.admit("a", t0 + 999ms);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 2ms);
  EXPECT_FALSE(limiter.admit("a", t0 + 1s + 999999ns).allowed);  // previous weighs 1
  EXPECT_TRUE(limiter.admit("a", t0 + 1001ms).allowed);
}

TEST(SlidingWindowLimiter, ABurstAtAWindowsEndStillCountsAfterTheBoundary) {
  SlidingWindowLimiter limiter(limits(3, 1s));
  ASSERT_TRUE(limiter.admit("a", t0 + 900ms).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 950ms).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 990ms).allowed);
  // 10 ms after the boundary the previous three weigh floor(3 x 990/1000) = 2: one more,
  // where a fixed window would admit three.
  EXPECT_TRUE(limiter.admit("a", t0 + 1010ms).allowed);
  const Admission refused = limiter.admit("a", t0 + 1010ms);
  EXPECT_FALSE(refused.allowed);
  // 1 + floor(3 x remaining/1000) < 3 once remaining < 667: at t0 + 1334 ms.
  EXPECT_EQ(refused.retry_after, 324ms);
  EXPECT_FALSE(limiter.admit("a", t0 + 1333ms).allowed);
  EXPECT_TRUE(limiter.admit("a", t0 + 1334ms).allowed);
}

TEST(SlidingWindowLimiter, AfterAFullQuietFixedWindowTheWholeBudgetIsBack) {
  SlidingWindowLimiter limiter(limits(3, 2s));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.admit("a", t0 + i * 10ms).allowed);
  }
  ASSERT_FALSE(limiter.admit("a", t0 + 1s).allowed);
  const nanoseconds later = t0 + 4s;  // the fixed window [t0 + 2 s, t0 + 4 s) was empty
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.admit("a", later).allowed) << i;
  }
  EXPECT_FALSE(limiter.admit("a", later).allowed);
}

TEST(SlidingWindowLimiter, RefusedRequestsDoNotPushTheRetryBack) {
  SlidingWindowLimiter limiter(limits(2, 10s));
  ASSERT_TRUE(limiter.admit("a", t0).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 3s).allowed);
  const Admission first = limiter.admit("a", t0 + 4500ms);
  EXPECT_FALSE(first.allowed);
  EXPECT_EQ(first.retry_after, 5501ms);
  EXPECT_EQ(retry_after_seconds(first.retry_after), 6U);
  for (nanoseconds t = t0 + 4500ms; t < t0 + 10s; t += 100ms) {
    const Admission again = limiter.admit("a", t);
    ASSERT_FALSE(again.allowed);
    ASSERT_EQ(t + again.retry_after, t0 + 10001ms);  // the same moment every time
  }
  EXPECT_TRUE(limiter.admit("a", t0 + 10001ms).allowed);
}

TEST(SlidingWindowLimiter, ClientsAreCountedSeparately) {
  SlidingWindowLimiter limiter(limits(1, 1s));
  EXPECT_TRUE(limiter.admit("127.0.0.1", t0).allowed);
  EXPECT_FALSE(limiter.admit("127.0.0.1", t0).allowed);
  EXPECT_TRUE(limiter.admit("127.0.0.2", t0).allowed);
  EXPECT_FALSE(limiter.admit("127.0.0.2", t0).allowed);
}

TEST(SlidingWindowLimiter, TimeGoingBackwardsIsNoMovement) {
  SlidingWindowLimiter limiter(limits(1, 1s));
  ASSERT_TRUE(limiter.admit("a", t0 + 5s + 200ms).allowed);
  const Admission refused = limiter.admit("a", t0);  // an out-of-order caller
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 801ms);  // as if at t0 + 5.2 s
  EXPECT_TRUE(limiter.admit("a", t0 + 6s + 1ms).allowed);
}

TEST(SlidingWindowLimiter, HugeTimeJumps) {
  SlidingWindowLimiter limiter(limits(2, 86400s));
  const nanoseconds lowest = nanoseconds::min();
  const nanoseconds highest = nanoseconds::max();
  EXPECT_TRUE(limiter.admit("a", lowest).allowed);
  EXPECT_TRUE(limiter.admit("a", lowest).allowed);
  EXPECT_FALSE(limiter.admit("a", lowest).allowed);
  EXPECT_TRUE(limiter.admit("a", highest).allowed);  // two windows and more: reset
  EXPECT_TRUE(limiter.admit("a", highest).allowed);
  const Admission refused = limiter.admit("a", highest);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GE(refused.retry_after, 1ms);
  EXPECT_LE(refused.retry_after, 86400s + 1ms);
  EXPECT_FALSE(limiter.admit("a", lowest).allowed);  // and back: no movement
}

TEST(SlidingWindowLimiter, LimitsOutOfRangeAreClamped) {
  SlidingWindowLimiter limiter(Limits{std::numeric_limits<std::uint64_t>::max(), 100000s, 0});
  EXPECT_EQ(limiter.limits().requests, max_requests);
  EXPECT_EQ(limiter.limits().window, milliseconds(max_window_ms));
  EXPECT_EQ(limiter.limits().max_tracked_clients, 1U);
  const SlidingWindowLimiter least(Limits{0, 0ms, 1});
  EXPECT_EQ(least.limits().requests, 1U);
  EXPECT_EQ(least.limits().window, 1ms);
}

TEST(SlidingWindowLimiter, EvictsTheLeastRecentlySeenClientFirst) {
  SlidingWindowLimiter limiter(limits(5, 1s, 3), 1);  // one shard: recency is exact
  ASSERT_TRUE(limiter.admit("a", t0).allowed);
  ASSERT_TRUE(limiter.admit("b", t0 + 1ms).allowed);
  ASSERT_TRUE(limiter.admit("c", t0 + 2ms).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 3ms).allowed);  // a is now the most recent
  ASSERT_TRUE(limiter.admit("d", t0 + 4ms).allowed);  // full: b, the oldest seen, goes
  EXPECT_EQ(limiter.tracked_clients(), 3U);
  EXPECT_FALSE(limiter.tracks("b"));
  EXPECT_TRUE(limiter.tracks("a"));
  EXPECT_TRUE(limiter.tracks("c"));
  EXPECT_TRUE(limiter.tracks("d"));
  ASSERT_TRUE(limiter.admit("e", t0 + 5ms).allowed);  // then c
  EXPECT_FALSE(limiter.tracks("c"));
  EXPECT_TRUE(limiter.tracks("a"));
}

TEST(SlidingWindowLimiter, ARefusedRequestAlsoCountsAsSeen) {
  SlidingWindowLimiter limiter(limits(1, 1s, 2), 1);
  ASSERT_TRUE(limiter.admit("a", t0).allowed);
  ASSERT_TRUE(limiter.admit("b", t0).allowed);
  ASSERT_FALSE(limiter.admit("a", t0 + 1ms).allowed);
  ASSERT_TRUE(limiter.admit("c", t0 + 2ms).allowed);
  EXPECT_TRUE(limiter.tracks("a"));
  EXPECT_FALSE(limiter.tracks("b"));
}

TEST(SlidingWindowLimiter, AnEvictedClientStartsOver) {
  SlidingWindowLimiter limiter(limits(1, 1s, 1), 1);
  ASSERT_TRUE(limiter.admit("a", t0).allowed);
  ASSERT_FALSE(limiter.admit("a", t0).allowed);
  ASSERT_TRUE(limiter.admit("b", t0).allowed);  // evicts a
  EXPECT_TRUE(limiter.admit("a", t0).allowed);
}

TEST(SlidingWindowLimiter, TrackedClientsNeverExceedTheCapAcrossShards) {
  for (const std::size_t cap : {1U, 5U, 31U, 32U, 100U, 1000U}) {
    SlidingWindowLimiter limiter(limits(2, 1s, cap));
    EXPECT_LE(limiter.shard_count(), std::max<std::size_t>(cap, 1));
    for (int i = 0; i < 5000; ++i) {
      limiter.admit("client-" + std::to_string(i), t0 + i * 1ms);
      ASSERT_LE(limiter.tracked_clients(), cap) << "cap " << cap << " after " << i;
    }
    EXPECT_EQ(limiter.tracked_clients(), cap) << "every shard filled";
    EXPECT_TRUE(limiter.tracks("client-4999")) << "the newest is kept";
  }
}

TEST(RetryAfterSeconds, RoundsUpAndIsAtLeastOne) {
  EXPECT_EQ(retry_after_seconds(0ms), 1U);
  EXPECT_EQ(retry_after_seconds(1ms), 1U);
  EXPECT_EQ(retry_after_seconds(1s), 1U);
  EXPECT_EQ(retry_after_seconds(1s + 1ms), 2U);
  EXPECT_EQ(retry_after_seconds(2500ms), 3U);
  EXPECT_EQ(retry_after_seconds(86400s + 1ms), 86401U);
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
