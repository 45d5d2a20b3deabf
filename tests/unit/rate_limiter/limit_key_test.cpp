#include "limit_key.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace proxy::plugins::rate_limiter {
namespace {

TEST(LimitKey, AClientIpIsItsOwnKey) {
  EXPECT_EQ(ip_limit_key("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(ip_limit_key("::ffff:10.0.0.1"), "10.0.0.1");  // as client_key() folds it
  EXPECT_EQ(ip_limit_key("2001:db8::/64"), "2001:db8::/64");
}

TEST(LimitKey, AUserNamedLikeAnIpIsCountedApartFromThatIp) {
  std::set<std::string> keys;
  for (const char* ip : {"10.0.0.1", "::1", "2001:db8::/64", "::ffff:10.0.0.9"}) {
    keys.insert(ip_limit_key(ip));
  }
  for (const char* name : {"10.0.0.1", "::1", "2001:db8::/64", "user:10.0.0.1", "10.0.0.1\n"}) {
    EXPECT_TRUE(keys.insert(user_limit_key(name)).second) << name;
  }
  EXPECT_EQ(user_limit_key("alice"), "user:alice");
}

TEST(LimitKey, TheUserWhenSetElseTheClientIp) {
  EXPECT_EQ(limit_key_for(std::string_view("alice"), "10.0.0.1"), "user:alice");
  EXPECT_EQ(limit_key_for(std::nullopt, "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(limit_key_for(std::string_view(), "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(limit_key_for(std::nullopt, "::ffff:10.0.0.1"), "10.0.0.1");
}

// An IPv4 key fits a std::string's inline buffer: the local limiter's memory per client
// (README, Memory) is what it was before keys had kinds.
TEST(LimitKey, AnIpv4KeyNeedsNoHeapString) {
  const std::string key = ip_limit_key("255.255.255.255");
  EXPECT_LE(key.size(), std::string().capacity());
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
