#include "password_check.hpp"

#include <crypt.h>

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "test_hashes.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

using testing::make_hash;

TEST(PasswordCheck, MatchesOnlyTheRightPasswordForEachAcceptedScheme) {
  CryptScratch scratch;
  for (const char* prefix : {"$2b$", "$2y$", "$2a$", "$6$", "$5$", "$y$"}) {
    const std::string hash = make_hash(prefix, "correct horse", prefix[1] == '2' ? 4 : 0);
    EXPECT_EQ(check_password("correct horse", hash, scratch), CheckResult::match) << hash;
    EXPECT_EQ(check_password("correct hors", hash, scratch), CheckResult::mismatch) << hash;
    EXPECT_EQ(check_password("Correct horse", hash, scratch), CheckResult::mismatch) << hash;
    EXPECT_EQ(check_password("", hash, scratch), CheckResult::mismatch) << hash;
  }
}

TEST(PasswordCheck, APasswordWithANulByteNeverMatches) {
  CryptScratch scratch;
  const std::string hash = make_hash("$6$", "abc");
  // crypt_r would see "abc" and match.
  EXPECT_EQ(check_password(std::string("abc\0def", 7), hash, scratch), CheckResult::mismatch);
  EXPECT_EQ(check_password("abc", hash, scratch), CheckResult::match);
}

TEST(PasswordCheck, AHashLibcryptCannotUseIsAnError) {
  CryptScratch scratch;
  EXPECT_EQ(check_password("pw", "$2b$04$short", scratch), CheckResult::error);
  EXPECT_EQ(check_password("pw", "$unknown$", scratch), CheckResult::error);
}

TEST(PasswordCheck, AHashThatDiffersInItsLastByteIsAMismatch) {
  CryptScratch scratch;
  std::string hash = make_hash("$2b$", "pw", 4);
  hash.back() = hash.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(check_password("pw", hash, scratch), CheckResult::mismatch);
}

TEST(PasswordCheck, TheScratchIsOnTheHeapAndWipedAfterEachCheck) {
  CryptScratch scratch;
  EXPECT_GE(sizeof(crypt_data), 32U * 1024U);  // why it is not on a stack
  const std::string hash = make_hash("$6$", "pw");
  ASSERT_EQ(check_password("pw", hash, scratch), CheckResult::match);
  const auto* bytes = reinterpret_cast<const unsigned char*>(&scratch.data());
  EXPECT_TRUE(
      std::all_of(bytes, bytes + sizeof(crypt_data), [](unsigned char b) { return b == 0; }));
}

TEST(PasswordCheck, WipeClearsTheString) {
  std::string secret = "a password longer than the small-string buffer";
  wipe(secret);
  EXPECT_TRUE(secret.empty());
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
