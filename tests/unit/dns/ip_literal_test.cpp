#include "dns/ip_literal.hpp"

#include <gtest/gtest.h>

namespace proxy::core::dns {
namespace {

TEST(IpLiteral, AddressLiteralsNeedNoLookup) {
  EXPECT_EQ(parse_ip_literal("192.0.2.1"), asio::ip::make_address("192.0.2.1"));
  EXPECT_EQ(parse_ip_literal("2001:db8::1"), asio::ip::make_address("2001:db8::1"));
  EXPECT_EQ(parse_ip_literal("::ffff:127.0.0.1"), asio::ip::make_address("::ffff:127.0.0.1"));
}

TEST(IpLiteral, NumericIPv4SpellingsAreAddressesAsGetaddrinfoTakesThem) {
  EXPECT_EQ(parse_ip_literal("127.1"), asio::ip::make_address("127.0.0.1"));
  EXPECT_EQ(parse_ip_literal("2130706433"), asio::ip::make_address("127.0.0.1"));
  EXPECT_EQ(parse_ip_literal("0x7f.0.0.1"), asio::ip::make_address("127.0.0.1"));
  EXPECT_EQ(parse_ip_literal("0177.0.0.1"), asio::ip::make_address("127.0.0.1"));
}

TEST(IpLiteral, NamesAreNotLiterals) {
  for (const char* name : {"localhost", "example.com", "cafe.babe", "1e100", "a", "",
                           "1.2.3.4 extra", "1.2.3.4.example", "256.256.256.256.256"}) {
    EXPECT_EQ(parse_ip_literal(name), std::nullopt) << name;
  }
}

}  // namespace
}  // namespace proxy::core::dns
