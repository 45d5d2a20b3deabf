#include "network_list.hpp"

#include <gtest/gtest.h>

#include "invalid_entry.hpp"

namespace proxy::plugins::common {
namespace {

TEST(NetworkList, Ipv4Networks) {
  const NetworkList list({"127.0.0.0/8", "192.168.1.0/24", "10.1.2.3"});
  EXPECT_TRUE(list.contains("127.0.0.1"));
  EXPECT_TRUE(list.contains("127.255.255.254"));
  EXPECT_TRUE(list.contains("192.168.1.200"));
  EXPECT_FALSE(list.contains("192.168.2.1"));
  EXPECT_TRUE(list.contains("10.1.2.3"));
  EXPECT_FALSE(list.contains("10.1.2.4"));
  EXPECT_FALSE(list.contains("128.0.0.1"));
}

TEST(NetworkList, Ipv6Networks) {
  const NetworkList list({"::1/128", "2001:db8::/32"});
  EXPECT_TRUE(list.contains("::1"));
  EXPECT_TRUE(list.contains("2001:db8:ffff::1"));
  EXPECT_FALSE(list.contains("2001:db9::1"));
  EXPECT_FALSE(list.contains("::2"));
  EXPECT_FALSE(list.contains("127.0.0.1"));
}

TEST(NetworkList, V4MappedClientMatchesIpv4Entries) {
  const NetworkList list({"127.0.0.0/8"});
  EXPECT_TRUE(list.contains("::ffff:127.0.0.1"));
  EXPECT_FALSE(list.contains("::ffff:128.0.0.1"));
  const NetworkList mapped_v6({"::ffff:0:0/96"});
  EXPECT_TRUE(mapped_v6.contains("::ffff:10.0.0.1"));
}

TEST(NetworkList, PrefixEdges) {
  const NetworkList all({"0.0.0.0/0"});
  EXPECT_TRUE(all.contains("8.8.8.8"));
  EXPECT_FALSE(all.contains("::1"));
  const NetworkList odd({"10.0.0.0/9"});
  EXPECT_TRUE(odd.contains("10.127.255.255"));
  EXPECT_FALSE(odd.contains("10.128.0.0"));
  const NetworkList host_bits({"10.1.2.3/8"});  // host bits ignored, as in deny_networks
  EXPECT_TRUE(host_bits.contains("10.200.0.1"));
}

TEST(NetworkList, NonAddressesAreNotContained) {
  const NetworkList list({"0.0.0.0/0", "::/0"});
  for (const char* text : {"", "localhost", "127.1", "10.0.0.1/8", "[::1]", "fe80::1%lo"}) {
    EXPECT_FALSE(list.contains(text)) << text;
  }
  EXPECT_TRUE(NetworkList().empty());
  EXPECT_FALSE(NetworkList().contains("127.0.0.1"));
}

TEST(NetworkList, InvalidEntriesNameTheirIndex) {
  for (const char* bad :
       {"", "localhost", "127.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8",
        "10.0.0.0/ 8", "10.0.0/8", "[::1]/128", "10.0.0.0/0008"}) {
    try {
      const NetworkList list({"127.0.0.0/8", bad});
      ADD_FAILURE() << "accepted " << bad;
    } catch (const InvalidEntry& e) {
      EXPECT_EQ(e.index(), 1U) << bad;
    }
  }
}

}  // namespace
}  // namespace proxy::plugins::common
