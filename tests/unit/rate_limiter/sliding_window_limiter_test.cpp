#include "sliding_window_limiter.hpp"

#include <string>

#include <gtest/gtest.h>

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

constexpr nanoseconds t0 = 1000s;  // an arbitrary monotonic epoch offset

Limits limits(std::uint64_t requests, nanoseconds window, std::size_t clients = 1000) {
  return Limits{requests, window, clients};
}

TEST(SlidingWindowLimiter, AdmitsNThenRefusesTheNextInTheSameWindow) {
  SlidingWindowLimiter limiter(limits(3, 1s));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.admit("a", t0).allowed) << i;
  }
  const Admission fourth = limiter.admit("a", t0);
  EXPECT_FALSE(fourth.allowed);
  EXPECT_EQ(fourth.retry_after, 1s);
}

// The window is (now - window, now]: a request exactly one window after the oldest one
// is admitted, one nanosecond earlier it is not.
TEST(SlidingWindowLimiter, OldestRequestLeavesExactlyOneWindowLater) {
  SlidingWindowLimiter limiter(limits(2, 1s));
  ASSERT_TRUE(limiter.admit("a", t0).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 100ms).allowed);

  const Admission early = limiter.admit("a", t0 + 1s - 1ns);
  EXPECT_FALSE(early.allowed);
  EXPECT_EQ(early.retry_after, 1ns);

  EXPECT_TRUE(limiter.admit("a", t0 + 1s).allowed);
  const Admission next = limiter.admit("a", t0 + 1s);
  EXPECT_FALSE(next.allowed);
  EXPECT_EQ(next.retry_after, 100ms);  // until t0 + 100ms leaves
}

TEST(SlidingWindowLimiter, WindowSlidesRatherThanResettingOnABoundary) {
  SlidingWindowLimiter limiter(limits(3, 1s));
  // Three late in one second: a fixed window would admit three more right after the
  // boundary; a sliding one does not.
  ASSERT_TRUE(limiter.admit("a", t0 + 900ms).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 950ms).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 990ms).allowed);
  const Admission after_boundary = limiter.admit("a", t0 + 1010ms);
  EXPECT_FALSE(after_boundary.allowed);
  EXPECT_EQ(after_boundary.retry_after, 890ms);
  EXPECT_TRUE(limiter.admit("a", t0 + 1900ms).allowed);
  EXPECT_FALSE(limiter.admit("a", t0 + 1900ms).allowed);
}

TEST(SlidingWindowLimiter, AfterAFullQuietWindowTheWholeBudgetIsBack) {
  SlidingWindowLimiter limiter(limits(3, 2s));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.admit("a", t0 + i * 10ms).allowed);
  }
  ASSERT_FALSE(limiter.admit("a", t0 + 1s).allowed);
  const nanoseconds later = t0 + 20ms + 2s;  // the newest admitted one left too
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.admit("a", later).allowed) << i;
  }
  EXPECT_FALSE(limiter.admit("a", later).allowed);
}

TEST(SlidingWindowLimiter, RefusedRequestsAreNotCounted) {
  SlidingWindowLimiter limiter(limits(1, 1s));
  ASSERT_TRUE(limiter.admit("a", t0).allowed);
  for (nanoseconds t = t0; t < t0 + 1s; t += 10ms) {
    ASSERT_FALSE(limiter.admit("a", t).allowed);
  }
  // Hammering did not push the retry time back.
  EXPECT_TRUE(limiter.admit("a", t0 + 1s).allowed);
}

TEST(SlidingWindowLimiter, RetryAfterIsTheTimeUntilTheOldestLeaves) {
  SlidingWindowLimiter limiter(limits(2, 10s));
  ASSERT_TRUE(limiter.admit("a", t0).allowed);
  ASSERT_TRUE(limiter.admit("a", t0 + 3s).allowed);
  const Admission refused = limiter.admit("a", t0 + 4500ms);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 5500ms);
  EXPECT_EQ(retry_after_seconds(refused.retry_after), 6U);
  EXPECT_FALSE(limiter.admit("a", t0 + 10s - 1ns).allowed);
  EXPECT_TRUE(limiter.admit("a", t0 + 10s).allowed);
}

TEST(SlidingWindowLimiter, ClientsAreCountedSeparately) {
  SlidingWindowLimiter limiter(limits(1, 1s));
  EXPECT_TRUE(limiter.admit("127.0.0.1", t0).allowed);
  EXPECT_FALSE(limiter.admit("127.0.0.1", t0).allowed);
  EXPECT_TRUE(limiter.admit("127.0.0.2", t0).allowed);
  EXPECT_FALSE(limiter.admit("127.0.0.2", t0).allowed);
}

TEST(SlidingWindowLimiter, TimeGoingBackwardsIsTakenAsTheNewestTime) {
  SlidingWindowLimiter limiter(limits(1, 1s));
  ASSERT_TRUE(limiter.admit("a", t0 + 5s).allowed);
  const Admission refused = limiter.admit("a", t0);  // an out-of-order caller
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
  EXPECT_TRUE(limiter.admit("a", t0 + 6s).allowed);
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
  EXPECT_EQ(retry_after_seconds(0ns), 1U);
  EXPECT_EQ(retry_after_seconds(1ns), 1U);
  EXPECT_EQ(retry_after_seconds(1s), 1U);
  EXPECT_EQ(retry_after_seconds(1s + 1ns), 2U);
  EXPECT_EQ(retry_after_seconds(2500ms), 3U);
  EXPECT_EQ(retry_after_seconds(86400s), 86400U);
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
