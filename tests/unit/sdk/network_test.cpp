#include "proxy/sdk/network.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace proxy::sdk {
namespace {

// A list of valid networks; fails the test on an invalid one.
NetworkList list_of(std::initializer_list<std::string_view> texts) {
  std::vector<Network> networks;
  for (const std::string_view text : texts) {
    std::string why;
    const auto network = parse_network(text, &why);
    EXPECT_TRUE(network) << text << ": " << why;
    if (network) {
      networks.push_back(*network);
    }
  }
  return NetworkList(std::move(networks));
}

TEST(NetworkList, Ipv4Networks) {
  const NetworkList list = list_of({"127.0.0.0/8", "192.168.1.0/24", "10.1.2.3"});
  EXPECT_TRUE(list.contains("127.0.0.1"));
  EXPECT_TRUE(list.contains("127.255.255.254"));
  EXPECT_TRUE(list.contains("192.168.1.200"));
  EXPECT_FALSE(list.contains("192.168.2.1"));
  EXPECT_TRUE(list.contains("10.1.2.3"));
  EXPECT_FALSE(list.contains("10.1.2.4"));
  EXPECT_FALSE(list.contains("128.0.0.1"));
}

TEST(NetworkList, Ipv6Networks) {
  const NetworkList list = list_of({"::1/128", "2001:db8::/32"});
  EXPECT_TRUE(list.contains("::1"));
  EXPECT_TRUE(list.contains("2001:db8:ffff::1"));
  EXPECT_FALSE(list.contains("2001:db9::1"));
  EXPECT_FALSE(list.contains("::2"));
  EXPECT_FALSE(list.contains("127.0.0.1"));
}

TEST(NetworkList, V4MappedClientMatchesIpv4Entries) {
  const NetworkList list = list_of({"127.0.0.0/8"});
  EXPECT_TRUE(list.contains("::ffff:127.0.0.1"));
  EXPECT_FALSE(list.contains("::ffff:128.0.0.1"));
  const NetworkList mapped_v6 = list_of({"::ffff:0:0/96"});
  EXPECT_TRUE(mapped_v6.contains("::ffff:10.0.0.1"));
}

TEST(NetworkList, PrefixEdges) {
  const NetworkList all = list_of({"0.0.0.0/0"});
  EXPECT_TRUE(all.contains("8.8.8.8"));
  EXPECT_FALSE(all.contains("::1"));
  const NetworkList odd = list_of({"10.0.0.0/9"});
  EXPECT_TRUE(odd.contains("10.127.255.255"));
  EXPECT_FALSE(odd.contains("10.128.0.0"));
  const NetworkList host_bits = list_of({"10.1.2.3/8"});  // host bits ignored, as in deny_networks
  EXPECT_TRUE(host_bits.contains("10.200.0.1"));
}

TEST(NetworkList, NonAddressesAreNotContained) {
  const NetworkList list = list_of({"0.0.0.0/0", "::/0"});
  for (const char* text : {"", "localhost", "127.1", "10.0.0.1/8", "[::1]", "fe80::1%lo"}) {
    EXPECT_FALSE(list.contains(text)) << text;
  }
  EXPECT_TRUE(NetworkList().empty());
  EXPECT_FALSE(NetworkList().contains("127.0.0.1"));
}

TEST(Network, InvalidTextSaysWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not an IP address"},
      {"localhost", "not an IP address"},
      {"10.0.0/8", "not an IP address"},
      {"[::1]/128", "not an IP address"},
      {"127.0.0.0/33", "the prefix length is above /32"},
      {"::/129", "the prefix length is above /128"},
      {"10.0.0.0/", "the prefix length after '/' must be a number from 0 to 32"},
      {"10.0.0.0/-1", "the prefix length after '/' must be a number from 0 to 32"},
      {"10.0.0.0/8/8", "the prefix length after '/' must be a number from 0 to 32"},
      {"10.0.0.0/ 8", "the prefix length after '/' must be a number from 0 to 32"},
      {"10.0.0.0/0008", "the prefix length after '/' must be a number from 0 to 32"},
      {"::/1280", "the prefix length after '/' must be a number from 0 to 128"},
  };
  for (const auto& [text, reason] : cases) {
    std::string why;
    EXPECT_FALSE(parse_network(text, &why)) << text;
    EXPECT_EQ(why, reason) << text;
    EXPECT_FALSE(parse_network(text)) << text;  // `why` is optional
  }
}

TEST(Network, HostBitsAreClearedAndBareAddressesAreHostRoutes) {
  const auto network = parse_network("10.1.2.3/8");
  ASSERT_TRUE(network);
  EXPECT_EQ(network->prefix, 8U);
  EXPECT_EQ(network->address, parse_ip_literal("10.0.0.0"));
  EXPECT_EQ(parse_network("::1")->prefix, 128U);
  EXPECT_EQ(parse_network("10.0.0.1")->prefix, 32U);
  EXPECT_EQ(parse_network("2001:db8::ff/120")->address, parse_ip_literal("2001:db8::"));
}

TEST(IpAddress, StrictLiterals) {
  EXPECT_TRUE(parse_ip_literal("10.0.0.1"));
  EXPECT_TRUE(parse_ip_literal("::ffff:127.0.0.1")->is_v4_mapped());
  EXPECT_EQ(parse_ip_literal("::ffff:127.0.0.1")->mapped_v4(), parse_ip_literal("127.0.0.1"));
  for (const char* text : {"", "127.1", "[::1]", "fe80::1%lo", "10.0.0.1 ", "0x7f.0.0.1"}) {
    EXPECT_FALSE(parse_ip_literal(text)) << text;
  }
  EXPECT_FALSE(parse_ip_literal("10.0.0.1" + std::string(100, ' ')));
}

}  // namespace
}  // namespace proxy::sdk
