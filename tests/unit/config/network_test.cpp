#include <gtest/gtest.h>

#include "config/network.hpp"

namespace proxy::config {
namespace {

TEST(Network, ParsesIpv4AndMasksHostBits) {
  const auto network = parse_network("10.1.2.3/8");
  ASSERT_TRUE(network);
  EXPECT_FALSE(network->is_v6);
  EXPECT_EQ(network->prefix, 8u);
  EXPECT_EQ(network->text, "10.0.0.0/8");
  EXPECT_TRUE(network->contains("10.255.0.1"));
  EXPECT_FALSE(network->contains("11.0.0.1"));
}

TEST(Network, ParsesIpv6) {
  const auto network = parse_network("fe80::1/10");
  ASSERT_TRUE(network);
  EXPECT_TRUE(network->is_v6);
  EXPECT_EQ(network->text, "fe80::/10");
  EXPECT_TRUE(network->contains("febf::1"));
  EXPECT_FALSE(network->contains("fec0::1"));
  EXPECT_FALSE(network->contains("10.0.0.1"));
}

TEST(Network, BareAddressIsOneHost) {
  const auto network = parse_network("::1");
  ASSERT_TRUE(network);
  EXPECT_EQ(network->prefix, 128u);
  EXPECT_TRUE(network->contains("::1"));
  EXPECT_FALSE(network->contains("::2"));
}

TEST(Network, ZeroPrefixMatchesEverythingOfItsFamily) {
  const auto network = parse_network("0.0.0.0/0");
  ASSERT_TRUE(network);
  EXPECT_TRUE(network->contains("255.255.255.255"));
  EXPECT_FALSE(network->contains("::1"));
}

TEST(Network, Ipv4MappedIpv6MatchesIpv4Network) {
  const auto network = parse_network("169.254.0.0/16");
  ASSERT_TRUE(network);
  EXPECT_TRUE(network->contains("::ffff:169.254.169.254"));
  EXPECT_FALSE(network->contains("::ffff:10.0.0.1"));
}

TEST(Network, MatchesRawBytes) {
  const std::vector<Network> networks = {*parse_network("127.0.0.0/8")};
  const std::array<std::uint8_t, 4> loopback = {127, 0, 0, 1};
  const std::array<std::uint8_t, 4> other = {8, 8, 8, 8};
  EXPECT_TRUE(any_contains(networks, loopback));
  EXPECT_FALSE(any_contains(networks, other));
}

TEST(Network, RejectsInvalid) {
  for (const char* text : {"", "abc", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1",
                           "10.0.0.0/+8", "10.0.0/8", "10.0.0.0/8/8", "fe80::1%eth0/64"}) {
    EXPECT_FALSE(parse_network(text)) << text;
  }
}

}  // namespace
}  // namespace proxy::config
