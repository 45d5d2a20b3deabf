#include "parent_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace proxy::plugins::upstream_router {
namespace {

TEST(ParentAddress, NamesIpv4AndBracketedIpv6) {
  std::string why;
  auto parsed = parse_parent_address("proxy.corp.example:3128", why);
  ASSERT_TRUE(parsed.has_value()) << why;
  EXPECT_EQ(parsed->host, "proxy.corp.example");
  EXPECT_EQ(parsed->port, 3128);
  parsed = parse_parent_address("10.0.0.9:8080", why);
  ASSERT_TRUE(parsed.has_value()) << why;
  EXPECT_EQ(parsed->host, "10.0.0.9");
  parsed = parse_parent_address("[2001:db8::1]:65535", why);
  ASSERT_TRUE(parsed.has_value()) << why;
  EXPECT_EQ(parsed->host, "2001:db8::1");
  EXPECT_EQ(parsed->port, 65535);
}

TEST(ParentAddress, RefusesWhatIsNotHostAndPort) {
  for (const std::string& text : std::vector<std::string>{
           "proxy", "proxy:", ":3128", "proxy:0", "proxy:65536", "proxy:31x", "proxy:-1",
           "2001:db8::1:3128", "[]:3128", "[proxy]:3128", "http://proxy:3128", "pro xy:3128",
           "user@proxy:3128", std::string(300, 'a') + ":3128"}) {
    std::string why;
    EXPECT_FALSE(parse_parent_address(text, why).has_value()) << text;
    EXPECT_FALSE(why.empty()) << text;
  }
}

}  // namespace
}  // namespace proxy::plugins::upstream_router
