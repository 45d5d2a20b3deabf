#include "client_key.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::rate_limiter {
namespace {

TEST(ClientKey, Ipv4IsItself) {
  EXPECT_EQ(client_key("127.0.0.2"), "127.0.0.2");
}

TEST(ClientKey, Ipv4MappedIpv6FoldsToIpv4) {
  EXPECT_EQ(client_key("::ffff:10.0.0.1"), "10.0.0.1");
}

TEST(ClientKey, OtherIpv6IsItself) {
  EXPECT_EQ(client_key("::1"), "::1");
  EXPECT_EQ(client_key("::ffff:a00:1"), "::ffff:a00:1");
  EXPECT_EQ(client_key("2001:db8::1"), "2001:db8::1");
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
