#include "dns/address_order.hpp"

#include <gtest/gtest.h>

namespace proxy::core::dns {
namespace {

Addresses parse(std::initializer_list<const char*> literals) {
  Addresses out;
  for (const char* literal : literals) {
    out.push_back(asio::ip::make_address(literal));
  }
  return out;
}

TEST(InterleaveFamilies, StartsWithIPv6AndAlternates) {
  EXPECT_EQ(interleave_families(parse({"192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2"})),
            parse({"2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"}));
}

TEST(InterleaveFamilies, TheLongerFamilyEndsTheList) {
  EXPECT_EQ(interleave_families(parse({"2001:db8::1", "192.0.2.1", "192.0.2.2", "192.0.2.3"})),
            parse({"2001:db8::1", "192.0.2.1", "192.0.2.2", "192.0.2.3"}));
  EXPECT_EQ(interleave_families(parse({"192.0.2.1", "2001:db8::1", "2001:db8::2"})),
            parse({"2001:db8::1", "192.0.2.1", "2001:db8::2"}));
}

TEST(InterleaveFamilies, OneFamilyKeepsItsOrder) {
  EXPECT_EQ(interleave_families(parse({"192.0.2.3", "192.0.2.1"})),
            parse({"192.0.2.3", "192.0.2.1"}));
  EXPECT_TRUE(interleave_families({}).empty());
}

}  // namespace
}  // namespace proxy::core::dns
