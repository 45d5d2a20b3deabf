#include "connection/connection_limits.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::core::ConnectionLimits;

TEST(ConnectionLimits, CapsPerIp) {
  ConnectionLimits limits(100, 2);
  EXPECT_TRUE(limits.try_acquire("10.0.0.1"));
  EXPECT_TRUE(limits.try_acquire("10.0.0.1"));
  EXPECT_FALSE(limits.try_acquire("10.0.0.1"));
  EXPECT_TRUE(limits.try_acquire("10.0.0.2"));
  EXPECT_EQ(limits.active(), 3U);
  limits.release("10.0.0.1");
  EXPECT_TRUE(limits.try_acquire("10.0.0.1"));
}

TEST(ConnectionLimits, CapsTheTotal) {
  ConnectionLimits limits(2, 10);
  EXPECT_TRUE(limits.try_acquire("a"));
  EXPECT_TRUE(limits.try_acquire("b"));
  EXPECT_FALSE(limits.try_acquire("c"));
  EXPECT_EQ(limits.active(), 2U);
  limits.release("a");
  EXPECT_TRUE(limits.try_acquire("c"));
}

// A PROXY protocol connection holds a slot from accept and its client's share only once
// the header named the client.
TEST(ConnectionLimits, TheTwoCapsOneAtATime) {
  ConnectionLimits limits(3, 1);
  EXPECT_TRUE(limits.try_acquire_slot());
  EXPECT_TRUE(limits.try_acquire_slot());
  EXPECT_EQ(limits.active(), 2U);
  EXPECT_TRUE(limits.try_acquire_client("10.0.0.1"));
  EXPECT_FALSE(limits.try_acquire_client("10.0.0.1"));  // its share is taken
  EXPECT_EQ(limits.active(), 2U);                       // and a refusal counts nothing
  EXPECT_FALSE(limits.try_acquire("10.0.0.1"));
  EXPECT_EQ(limits.active(), 2U);
  EXPECT_TRUE(limits.try_acquire_slot());
  EXPECT_FALSE(limits.try_acquire_slot());  // slots are the total, whoever the client
  limits.release_client("10.0.0.1");
  EXPECT_TRUE(limits.try_acquire_client("10.0.0.1"));
  limits.release_slot();
  EXPECT_EQ(limits.active(), 2U);
}

}  // namespace
