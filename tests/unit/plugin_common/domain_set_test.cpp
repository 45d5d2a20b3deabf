#include "domain_set.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "invalid_entry.hpp"

namespace proxy::plugins::common {
namespace {

TEST(DomainSet, NameMatchesItselfAndSubdomainsOnly) {
  const DomainSet set({"evil.com"});
  EXPECT_TRUE(set.contains("evil.com"));
  EXPECT_TRUE(set.contains("sub.evil.com"));
  EXPECT_TRUE(set.contains("a.b.c.evil.com"));
  EXPECT_FALSE(set.contains("notevil.com"));
  EXPECT_FALSE(set.contains("evil.com.au"));
  EXPECT_FALSE(set.contains("com"));
  EXPECT_FALSE(set.contains("evil.co"));
  EXPECT_FALSE(set.contains(""));
}

TEST(DomainSet, CaseAndTrailingDotIgnoredOnBothSides) {
  const DomainSet set({"Evil.COM.", "plain.org"});
  EXPECT_TRUE(set.contains("evil.com"));
  EXPECT_TRUE(set.contains("SUB.EVIL.COM"));
  EXPECT_TRUE(set.contains("sub.evil.com."));
  EXPECT_TRUE(set.contains("Plain.Org."));
  EXPECT_TRUE(set.contains("x.plain.org.."));
  EXPECT_FALSE(set.contains("."));
}

TEST(DomainSet, Ipv4LiteralMatchesExactlyAndIsNoSuffix) {
  const DomainSet set({"10.0.0.1"});
  EXPECT_TRUE(set.contains("10.0.0.1"));
  EXPECT_TRUE(set.contains("10.0.0.1."));
  EXPECT_FALSE(set.contains("110.0.0.1"));
  EXPECT_FALSE(set.contains("10.0.0.11"));
  EXPECT_FALSE(set.contains("a.10.0.0.1"));
  EXPECT_FALSE(set.contains("0.0.1"));
}

TEST(DomainSet, AddressMatchesWhateverSpellingTheResolverTakes) {
  const DomainSet set({"127.0.0.1"});
  for (const char* host : {"127.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]"}) {
    EXPECT_TRUE(set.contains(host)) << host;
  }
  EXPECT_FALSE(set.contains("127.0.0.2"));
}

TEST(DomainSet, Ipv6ComparedInCanonicalForm) {
  const DomainSet set({"2001:DB8:0:0::1", "[fe80::2]"});
  EXPECT_TRUE(set.contains("2001:db8::1"));
  EXPECT_TRUE(set.contains("[2001:db8::0:1]"));
  EXPECT_TRUE(set.contains("fe80:0::2"));
  EXPECT_FALSE(set.contains("2001:db8::2"));
  EXPECT_FALSE(set.contains("::1"));
}

TEST(DomainSet, MappedEntryMatchesIpv4Host) {
  const DomainSet set({"::ffff:192.0.2.7"});
  EXPECT_TRUE(set.contains("192.0.2.7"));
}

TEST(DomainSet, NamesAndAddressesDoNotMix) {
  const DomainSet names({"example.com"});
  EXPECT_FALSE(names.contains("127.0.0.1"));
  const DomainSet addresses({"127.0.0.1"});
  EXPECT_FALSE(addresses.contains("localhost"));
}

TEST(DomainSet, UnderscoreAndDigitsInNamesAreAccepted) {
  const DomainSet set({"_dmarc.example.com", "host-1.example9.com", "0day.net"});
  EXPECT_TRUE(set.contains("_DMARC.example.com"));
  EXPECT_TRUE(set.contains("a.host-1.example9.com"));
  EXPECT_TRUE(set.contains("0day.net"));
}

std::size_t invalid_index(const std::vector<std::string>& entries) {
  try {
    const DomainSet set(entries);
  } catch (const InvalidEntry& e) {
    return e.index();
  }
  ADD_FAILURE() << "no InvalidEntry";
  return static_cast<std::size_t>(-1);
}

TEST(DomainSet, InvalidEntriesNameTheirIndex) {
  for (const char* bad : {"", "*.evil.com", ".evil.com", "evil..com", "evil com", "evil.com:443",
                          "http://evil.com", "10.0.0.0/8", "10.0.0", "2130706433", "a/b", "é.com",
                          "::1::2", "[::1", ".", "evil.com/path", "a\nb.com"}) {
    EXPECT_EQ(invalid_index({"good.com", "127.0.0.1", "::1", bad}), 3U) << bad;
  }
  EXPECT_EQ(invalid_index({std::string(64, 'a') + ".com"}), 0U);
  std::string longest;  // 50 labels of 4 and "com": 253 characters, the limit
  for (int i = 0; i < 50; ++i) {
    longest += "abcd.";
  }
  longest += "com";
  EXPECT_TRUE(DomainSet({longest}).contains(longest));
  EXPECT_EQ(invalid_index({"a" + longest}), 0U);
}

TEST(DomainSet, LongestValidLabelIsAccepted) {
  const DomainSet set({std::string(63, 'a') + ".com"});
  EXPECT_TRUE(set.contains("x." + std::string(63, 'a') + ".com"));
}

TEST(DomainSet, VeryLongHostsAreLookedUpWhole) {
  const DomainSet set({"evil.com"});
  std::string host;
  for (int i = 0; i < 1000; ++i) {
    host += "a.";
  }
  EXPECT_TRUE(set.contains(host + "evil.com"));
  EXPECT_FALSE(set.contains(host + "good.com"));
}

// A linear scan would take 60 000 x 20 000 comparisons here (several seconds); hash
// probes per label take milliseconds, even under sanitizers.
TEST(DomainSet, ThousandsOfEntriesAreProbedNotScanned) {
  std::vector<std::string> entries;
  for (int i = 0; i < 60000; ++i) {
    entries.push_back("blocked" + std::to_string(i) + ".example");
  }
  const DomainSet set(entries);
  EXPECT_EQ(set.size(), 60000U);
  const auto started = std::chrono::steady_clock::now();
  std::size_t hits = 0;
  for (int i = 0; i < 20000; ++i) {
    hits += set.contains("www.blocked" + std::to_string(i * 3) + ".example") ? 1 : 0;
    hits += set.contains("www.allowed" + std::to_string(i) + ".example") ? 1 : 0;
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(hits, 20000U);
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

}  // namespace
}  // namespace proxy::plugins::common
