#include "failure_counter.hpp"

#include <string>

#include <gtest/gtest.h>

namespace proxy::plugins::proxy_auth {
namespace {

using namespace std::chrono_literals;
using Clock = FailureCounter::Clock;

const Clock::time_point t0 = Clock::time_point() + 1000h;

TEST(FailureCounter, RefusesBeyondMaxFailuresUntilTheMinuteEnds) {
  FailureCounter counter(3, 60s, 100);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(counter.blocked_for("10.0.0.1", t0 + 1s), 0ms);
    EXPECT_TRUE(counter.charge("10.0.0.1", t0 + std::chrono::seconds(i)));
  }
  EXPECT_EQ(counter.blocked_for("10.0.0.1", t0 + 10s), 50s);  // the window opened at t0
  EXPECT_FALSE(counter.charge("10.0.0.1", t0 + 10s));
  EXPECT_EQ(counter.blocked_for("10.0.0.1", t0 + 59999ms), 1ms);
  EXPECT_EQ(counter.blocked_for("10.0.0.1", t0 + 60s), 0ms);  // a new window
  EXPECT_TRUE(counter.charge("10.0.0.1", t0 + 60s));
  EXPECT_EQ(counter.blocked_for("10.0.0.1", t0 + 61s), 0ms);
}

TEST(FailureCounter, ClientsAreCountedApart) {
  FailureCounter counter(1, 60s, 100);
  EXPECT_TRUE(counter.charge("10.0.0.1", t0));
  EXPECT_FALSE(counter.charge("10.0.0.1", t0));
  EXPECT_TRUE(counter.charge("10.0.0.2", t0));
  EXPECT_TRUE(counter.charge("2001:db8::/64", t0));
  EXPECT_GT(counter.blocked_for("10.0.0.1", t0), 0ms);
  EXPECT_EQ(counter.blocked_for("10.0.0.3", t0), 0ms);
}

TEST(FailureCounter, ARefundGivesBackAMatchedCheck) {
  FailureCounter counter(2, 60s, 100);
  for (int i = 0; i < 10; ++i) {  // a user who keeps getting it right is never blocked
    ASSERT_TRUE(counter.charge("10.0.0.1", t0));
    counter.refund("10.0.0.1");
  }
  EXPECT_TRUE(counter.charge("10.0.0.1", t0));
  EXPECT_TRUE(counter.charge("10.0.0.1", t0));
  EXPECT_FALSE(counter.charge("10.0.0.1", t0));
  counter.refund("unknown");  // harmless
}

TEST(FailureCounter, ChecksInFlightCountBeforeTheirResult) {
  // Many connections at once: each attempt is charged when it starts, so no more than
  // max_failures hashes run, however many arrive before the first one fails.
  FailureCounter counter(5, 60s, 100);
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    admitted += counter.charge("10.0.0.1", t0) ? 1 : 0;
  }
  EXPECT_EQ(admitted, 5);
}

TEST(FailureCounter, TracksABoundedNumberOfClients) {
  FailureCounter counter(1, 60s, 3);
  for (int i = 0; i < 3; ++i) {
    counter.charge("10.0.0." + std::to_string(i), t0);
  }
  EXPECT_EQ(counter.tracked_clients(), 3U);
  EXPECT_GT(counter.blocked_for("10.0.0.0", t0), 0ms);  // 0 becomes the most recent
  counter.charge("10.0.0.9", t0);
  EXPECT_EQ(counter.tracked_clients(), 3U);
  EXPECT_GT(counter.blocked_for("10.0.0.0", t0), 0ms);
  EXPECT_EQ(counter.blocked_for("10.0.0.1", t0), 0ms);  // least recently seen: forgotten
}

TEST(FailureCounter, ZeroMaxFailuresCountsNothing) {
  FailureCounter counter(0, 60s, 3);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(counter.charge("10.0.0.1", t0));
  }
  EXPECT_EQ(counter.blocked_for("10.0.0.1", t0), 0ms);
  EXPECT_EQ(counter.tracked_clients(), 0U);
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
