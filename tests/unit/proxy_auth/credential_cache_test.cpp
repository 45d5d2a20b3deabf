#include "credential_cache.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace proxy::plugins::proxy_auth {
namespace {

using namespace std::chrono_literals;
using Clock = CredentialCache::Clock;

const Clock::time_point t0 = Clock::time_point() + 1000h;

bool contains_bytes(const CredentialKey& key, std::string_view needle) {
  const std::string_view bytes(reinterpret_cast<const char*>(key.data()), key.size());
  return bytes.find(needle) != std::string_view::npos;
}

TEST(CredentialCache, AdmitsWhatItRememberedUntilTheTtlEnds) {
  CredentialCache cache(300s, 100);
  const CredentialKey key = cache.key_for("alice", "pw");
  EXPECT_FALSE(cache.admits(key, 1, t0));
  cache.remember(key, 1, t0);
  EXPECT_TRUE(cache.admits(key, 1, t0));
  EXPECT_TRUE(cache.admits(key, 1, t0 + 299s));
  EXPECT_FALSE(cache.admits(key, 1, t0 + 300s));  // expired, and dropped
  EXPECT_EQ(cache.size(), 0U);
}

TEST(CredentialCache, AnotherPasswordOrUserIsAnotherKey) {
  CredentialCache cache(300s, 100);
  cache.remember(cache.key_for("alice", "pw"), 1, t0);
  EXPECT_FALSE(cache.admits(cache.key_for("alice", "pw2"), 1, t0));
  EXPECT_FALSE(cache.admits(cache.key_for("alice", "PW"), 1, t0));
  EXPECT_FALSE(cache.admits(cache.key_for("bob", "pw"), 1, t0));
  // The same bytes split differently between user and password.
  EXPECT_NE(cache.key_for("ab", "c"), cache.key_for("a", "bc"));
  EXPECT_TRUE(cache.admits(cache.key_for("alice", "pw"), 1, t0));
}

TEST(CredentialCache, NeverStoresThePasswordOrTheUser) {
  CredentialCache cache(300s, 100);
  const std::string user = "alice";
  const std::string password = "correct horse battery staple";
  cache.remember(cache.key_for(user, password), 1, t0);
  const auto keys = cache.keys();
  ASSERT_EQ(keys.size(), 1U);
  EXPECT_EQ(keys[0].size(), 32U);  // a SHA-256 digest, whatever the password's length
  for (std::size_t n = 4; n <= password.size(); ++n) {
    for (std::size_t at = 0; at + n <= password.size(); ++at) {
      EXPECT_FALSE(contains_bytes(keys[0], password.substr(at, n)));
    }
  }
  EXPECT_FALSE(contains_bytes(keys[0], user));
}

TEST(CredentialCache, KeysAreSaltedPerCache) {
  // Two caches (two processes) key the same credentials differently: no table made in
  // advance maps keys back to passwords.
  CredentialCache a(300s, 10);
  CredentialCache b(300s, 10);
  EXPECT_EQ(a.key_for("alice", "pw"), a.key_for("alice", "pw"));
  EXPECT_NE(a.key_for("alice", "pw"), b.key_for("alice", "pw"));
}

TEST(CredentialCache, OnlyTheGenerationCheckedAgainstAdmits) {
  CredentialCache cache(300s, 100);
  const CredentialKey key = cache.key_for("alice", "pw");
  cache.invalidate(1);
  cache.remember(key, 1, t0);
  EXPECT_FALSE(cache.admits(key, 2, t0));  // the users file changed since
  cache.remember(key, 1, t0);
  cache.invalidate(2);
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_FALSE(cache.admits(key, 2, t0));
  // A check that started before the reload and ends after it is not remembered.
  cache.remember(key, 1, t0);
  EXPECT_EQ(cache.size(), 0U);
  cache.remember(key, 2, t0);
  EXPECT_TRUE(cache.admits(key, 2, t0));
}

TEST(CredentialCache, EvictsTheLeastRecentlyUsedBeyondItsBound) {
  CredentialCache cache(300s, 3);
  const auto key = [&](int i) { return cache.key_for("user" + std::to_string(i), "pw"); };
  for (int i = 0; i < 3; ++i) {
    cache.remember(key(i), 1, t0);
  }
  EXPECT_TRUE(cache.admits(key(0), 1, t0));  // 0 is now the most recently used
  cache.remember(key(3), 1, t0);
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_TRUE(cache.admits(key(0), 1, t0));
  EXPECT_FALSE(cache.admits(key(1), 1, t0));  // the least recently used went
  EXPECT_TRUE(cache.admits(key(2), 1, t0));
  EXPECT_TRUE(cache.admits(key(3), 1, t0));
  for (int i = 4; i < 100; ++i) {
    cache.remember(key(i), 1, t0);
  }
  EXPECT_EQ(cache.size(), 3U);
}

TEST(CredentialCache, RememberingAgainRenewsTheTtl) {
  CredentialCache cache(10s, 10);
  const CredentialKey key = cache.key_for("alice", "pw");
  cache.remember(key, 1, t0);
  cache.remember(key, 1, t0 + 8s);
  EXPECT_TRUE(cache.admits(key, 1, t0 + 17s));
  EXPECT_EQ(cache.size(), 1U);
}

TEST(CredentialCache, ATtlOfZeroCachesNothing) {
  CredentialCache cache(0s, 10);
  const CredentialKey key = cache.key_for("alice", "pw");
  cache.remember(key, 1, t0);
  EXPECT_FALSE(cache.admits(key, 1, t0));
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_FALSE(cache.enabled());
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
