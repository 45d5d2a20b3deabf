#include "connection/client_key.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::core::client_key;

boost::asio::ip::address ip(const char* text) {
  return boost::asio::ip::make_address(text);
}

TEST(ClientKey, Ipv4IsTheAddressMappedOrNot) {
  EXPECT_EQ(client_key(ip("192.0.2.7"), 64), "192.0.2.7");
  EXPECT_EQ(client_key(ip("::ffff:192.0.2.7"), 64), "192.0.2.7");
}

TEST(ClientKey, Ipv6IsItsNetworkOfThePrefix) {
  EXPECT_EQ(client_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key(ip("2001:db8:1:2:ffff::1"), 64), client_key(ip("2001:db8:1:2::9"), 64));
  EXPECT_NE(client_key(ip("2001:db8:1:3::1"), 64), client_key(ip("2001:db8:1:2::1"), 64));
  EXPECT_EQ(client_key(ip("2001:db8:1:2ff::1"), 56), "2001:db8:1:200::/56");
  EXPECT_EQ(client_key(ip("2001:db8::1"), 128), "2001:db8::1/128");
  EXPECT_EQ(client_key(ip("2001:db8::1"), 1), "::/1");
}

}  // namespace
