#include "timestamp_ring.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace proxy::plugins::rate_limiter {
namespace {

using Time = TimestampRing::Time;

std::vector<Time::rep> drain(TimestampRing& ring) {
  std::vector<Time::rep> out;
  while (!ring.empty()) {
    out.push_back(ring.oldest().count());
    ring.drop_through(ring.oldest());
  }
  return out;
}

TEST(TimestampRing, KeepsTimesOldestFirst) {
  TimestampRing ring;
  ring.push(Time(10), 8);
  ring.push(Time(20), 8);
  ring.push(Time(30), 8);
  EXPECT_EQ(ring.size(), 3U);
  EXPECT_EQ(ring.oldest(), Time(10));
  EXPECT_EQ(ring.newest(), Time(30));
}

TEST(TimestampRing, DropThroughRemovesTimesAtOrBeforeTheCutoff) {
  TimestampRing ring;
  for (int t : {10, 20, 30}) {
    ring.push(Time(t), 8);
  }
  ring.drop_through(Time(9));
  EXPECT_EQ(ring.size(), 3U);
  ring.drop_through(Time(10));  // the cutoff itself has left the window
  EXPECT_EQ(ring.size(), 2U);
  EXPECT_EQ(ring.oldest(), Time(20));
  ring.drop_through(Time(29));
  EXPECT_EQ(ring.size(), 1U);
  EXPECT_EQ(ring.oldest(), Time(30));
  ring.drop_through(Time(1000));
  EXPECT_TRUE(ring.empty());
}

TEST(TimestampRing, GrowsOnDemandAndNeverPastTheLimit) {
  TimestampRing ring;
  EXPECT_EQ(ring.capacity(), 0U);
  ring.push(Time(1), 100);
  EXPECT_LE(ring.capacity(), 4U);  // one request costs a few slots, not the whole limit
  for (int t = 2; t <= 100; ++t) {
    ring.push(Time(t), 100);
  }
  EXPECT_EQ(ring.size(), 100U);
  EXPECT_EQ(ring.capacity(), 100U);
}

TEST(TimestampRing, GrowingAfterWrapAroundKeepsTheOrder) {
  TimestampRing ring;
  for (int t = 1; t <= 4; ++t) {
    ring.push(Time(t), 10);
  }
  ring.drop_through(Time(2));  // head moves forward
  ring.push(Time(5), 10);      // reuses a slot at the start: wrapped
  ring.push(Time(6), 10);
  ring.push(Time(7), 10);  // full: grows, linearising the wrapped log
  EXPECT_EQ(drain(ring), (std::vector<Time::rep>{3, 4, 5, 6, 7}));
}

TEST(TimestampRing, ReusesSlotsOnceFullAtTheLimit) {
  TimestampRing ring;
  for (int t = 1; t <= 3; ++t) {
    ring.push(Time(t), 3);
  }
  for (int t = 4; t <= 50; ++t) {
    ring.drop_through(Time(t - 3));
    ring.push(Time(t), 3);
    ASSERT_EQ(ring.capacity(), 3U);
  }
  EXPECT_EQ(drain(ring), (std::vector<Time::rep>{48, 49, 50}));
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
