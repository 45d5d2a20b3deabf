#include "dns/dns_cache.hpp"

#include <gtest/gtest.h>

namespace proxy::core::dns {
namespace {

using namespace std::chrono_literals;
using Clock = DnsCache::Clock;

std::shared_ptr<const Addresses> addresses(const char* literal) {
  return std::make_shared<const Addresses>(Addresses{asio::ip::make_address(literal)});
}

const Clock::time_point start = Clock::now();

TEST(DnsCacheKey, IgnoresCaseAndOneTrailingDot) {
  EXPECT_EQ(cache_key("Example.COM."), "example.com");
  EXPECT_EQ(cache_key("example.com"), "example.com");
  EXPECT_EQ(cache_key("a..."), "a..");  // only the root's dot is dropped
  EXPECT_EQ(cache_key(""), "");
}

TEST(DnsCache, KeepsAnAnswerForItsTtl) {
  DnsCache cache(10, 0s, 300s);
  cache.store("a.test", addresses("192.0.2.1"), 10s, start);
  const auto found = cache.find("a.test", start + 9s);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->at(0), asio::ip::make_address("192.0.2.1"));
  EXPECT_EQ(cache.find("b.test", start), nullptr);
}

TEST(DnsCache, AnExpiredEntryIsAMissAndIsDropped) {
  DnsCache cache(10, 0s, 300s);
  cache.store("a.test", addresses("192.0.2.1"), 10s, start);
  EXPECT_EQ(cache.size(), 1U);
  EXPECT_EQ(cache.find("a.test", start + 10s), nullptr);
  EXPECT_EQ(cache.size(), 0U);
}

TEST(DnsCache, TtlIsClampedToMinAndMax) {
  DnsCache cache(10, 5s, 300s);
  EXPECT_EQ(cache.clamp_ttl(0s), 5s);
  EXPECT_EQ(cache.clamp_ttl(60s), 60s);
  EXPECT_EQ(cache.clamp_ttl(86400s), 300s);

  cache.store("short.test", addresses("192.0.2.1"), 1s, start);
  EXPECT_NE(cache.find("short.test", start + 4s), nullptr);  // kept for min_ttl, not 1 s
  EXPECT_EQ(cache.find("short.test", start + 5s), nullptr);

  cache.store("long.test", addresses("192.0.2.2"), 86400s, start);
  EXPECT_NE(cache.find("long.test", start + 299s), nullptr);
  EXPECT_EQ(cache.find("long.test", start + 300s), nullptr);  // max_ttl, not a day
}

TEST(DnsCache, ZeroTtlOrZeroCapacityKeepsNothing) {
  DnsCache no_ttl(10, 0s, 0s);
  no_ttl.store("a.test", addresses("192.0.2.1"), 60s, start);
  EXPECT_EQ(no_ttl.size(), 0U);

  DnsCache no_room(0, 5s, 300s);
  no_room.store("a.test", addresses("192.0.2.1"), 60s, start);
  EXPECT_EQ(no_room.size(), 0U);
  EXPECT_EQ(no_room.find("a.test", start), nullptr);

  DnsCache cache(10, 0s, 300s);
  cache.store("a.test", addresses("192.0.2.1"), 0s, start);
  cache.store("b.test", std::make_shared<const Addresses>(), 60s, start);
  EXPECT_EQ(cache.size(), 0U);
}

TEST(DnsCache, BoundedByCapacityEvictingTheLeastRecentlyUsed) {
  DnsCache cache(2, 0s, 300s);
  cache.store("a.test", addresses("192.0.2.1"), 60s, start);
  cache.store("b.test", addresses("192.0.2.2"), 60s, start);
  ASSERT_NE(cache.find("a.test", start), nullptr);  // a is now the most recently used
  cache.store("c.test", addresses("192.0.2.3"), 60s, start);
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_EQ(cache.find("b.test", start), nullptr);
  EXPECT_NE(cache.find("a.test", start), nullptr);
  EXPECT_NE(cache.find("c.test", start), nullptr);

  for (int i = 0; i < 100; ++i) {
    cache.store("n" + std::to_string(i) + ".test", addresses("192.0.2.4"), 60s, start);
    EXPECT_LE(cache.size(), 2U);
  }
  EXPECT_NE(cache.find("n99.test", start), nullptr);
  EXPECT_NE(cache.find("n98.test", start), nullptr);
  EXPECT_EQ(cache.find("n97.test", start), nullptr);
}

TEST(DnsCache, StoringAgainReplacesTheAnswerAndItsExpiry) {
  DnsCache cache(2, 0s, 300s);
  cache.store("a.test", addresses("192.0.2.1"), 10s, start);
  cache.store("a.test", addresses("192.0.2.9"), 60s, start + 5s);
  EXPECT_EQ(cache.size(), 1U);
  const auto found = cache.find("a.test", start + 30s);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->at(0), asio::ip::make_address("192.0.2.9"));
}

TEST(DnsCache, AnswersHandedOutOutliveTheirEviction) {
  DnsCache cache(1, 0s, 300s);
  cache.store("a.test", addresses("192.0.2.1"), 60s, start);
  const auto held = cache.find("a.test", start);
  cache.store("b.test", addresses("192.0.2.2"), 60s, start);
  EXPECT_EQ(cache.find("a.test", start), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->at(0), asio::ip::make_address("192.0.2.1"));
}

}  // namespace
}  // namespace proxy::core::dns
