#include "ip_address.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::common {
namespace {

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress address;
  address.bytes[0] = a;
  address.bytes[1] = b;
  address.bytes[2] = c;
  address.bytes[3] = d;
  return address;
}

TEST(IpLiteral, ParsesStrictIpv4AndIpv6) {
  EXPECT_EQ(parse_ip_literal("10.0.0.1"), v4(10, 0, 0, 1));
  const auto v6 = parse_ip_literal("::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->is_v6);
  EXPECT_EQ(v6->bytes[15], 1);
  EXPECT_EQ(parse_ip_literal("0:0:0:0:0:0:0:1"), v6);
}

TEST(IpLiteral, RefusesEverythingElse) {
  for (const char* text : {"", "10.0.0", "10.0.0.1/8", "[::1]", "010.0.0.1", "0x7f.0.0.1",
                           "2130706433", "evil.com", "10.0.0.1 ", "fe80::1%eth0", "1.2.3.256"}) {
    EXPECT_FALSE(parse_ip_literal(text)) << text;
  }
}

TEST(IpLiteral, LongTextIsParsedNotCut) {
  // Longer than the stack buffer: must be refused as a whole, never truncated to a prefix.
  EXPECT_FALSE(parse_ip_literal("10.0.0.1" + std::string(100, ' ')));
}

TEST(IpAddress, V4MappedFoldsToIpv4) {
  const auto mapped = parse_ip_literal("::ffff:127.0.0.1");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->is_v4_mapped());
  EXPECT_EQ(mapped->mapped_v4(), v4(127, 0, 0, 1));
  EXPECT_FALSE(parse_ip_literal("::1")->is_v4_mapped());
  EXPECT_FALSE(parse_ip_literal("127.0.0.1")->is_v4_mapped());
}

// The spellings getaddrinfo takes for an address without asking DNS all name the same
// address, so a rule on the address cannot be sidestepped by respelling it.
TEST(NumericHost, ResolverSpellingsOfOneAddress) {
  for (const char* host : {"127.0.0.1", "127.1", "0x7f.0.0.1", "0177.0.0.1", "2130706433",
                           "0x7F000001", "[::ffff:127.0.0.1]", "::ffff:127.0.0.1"}) {
    EXPECT_EQ(parse_numeric_host(host), v4(127, 0, 0, 1)) << host;
  }
  EXPECT_EQ(parse_numeric_host("[::1]"), parse_ip_literal("::1"));
  EXPECT_EQ(parse_numeric_host("0:0::1"), parse_ip_literal("::1"));
}

TEST(NumericHost, NamesAreNotAddresses) {
  for (const char* host : {"evil.com", "cafe.be", "face", "a.10.0.0.1", "10.0.0.1.evil.com",
                           "localhost", "", "[]", "127.0.0.1 x", "1.2.3.4abc", "::g"}) {
    EXPECT_FALSE(parse_numeric_host(host)) << host;
  }
}

}  // namespace
}  // namespace proxy::plugins::common
