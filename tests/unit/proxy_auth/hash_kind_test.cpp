#include "hash_kind.hpp"

#include <string>

#include <gtest/gtest.h>

#include "test_hashes.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

using testing::make_hash;

TEST(HashKind, AcceptsWhatLibcryptMakesForEachAcceptedScheme) {
  const struct {
    const char* prefix;
    unsigned long cost;
    HashKind kind;
  } cases[] = {
      {"$2b$", 4, HashKind::bcrypt},         {"$2y$", 4, HashKind::bcrypt},
      {"$2a$", 4, HashKind::bcrypt},         {"$6$", 0, HashKind::sha512_crypt},
      {"$5$", 0, HashKind::sha256_crypt},    {"$y$", 0, HashKind::yescrypt},
      {"$6$", 5000, HashKind::sha512_crypt},  // with rounds=
  };
  for (const auto& c : cases) {
    const std::string hash = make_hash(c.prefix, "secret", c.cost);
    const HashCheck check = check_hash(hash);
    EXPECT_EQ(check.kind, c.kind) << hash;
    EXPECT_TRUE(check.accepted()) << hash << ": " << check.problem;
  }
}

TEST(HashKind, RefusesWeakSchemesByName) {
  const struct {
    std::string hash;
    HashKind kind;
    const char* named;
  } cases[] = {
      {make_hash("$1$", "secret"), HashKind::md5_crypt, "MD5-crypt ($1$)"},
      {"$apr1$Vh2b2e6x$8c9cxQn2A1ZfUeE2fJq1u/", HashKind::apr1, "Apache MD5 ($apr1$)"},
      {"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", HashKind::sha1, "unsalted SHA-1 ({SHA})"},
      {"abJnggxhB/yWI", HashKind::des, "DES crypt"},
  };
  for (const auto& c : cases) {
    const HashCheck check = check_hash(c.hash);
    EXPECT_EQ(check.kind, c.kind) << c.hash;
    EXPECT_FALSE(check.accepted());
    EXPECT_NE(check.problem.find(c.named), std::string::npos) << check.problem;
    EXPECT_NE(check.problem.find("htpasswd -B"), std::string::npos) << check.problem;
  }
}

TEST(HashKind, PlainTextIsRefusedWithoutBeingQuoted) {
  for (const std::string plain : {"secret", "hunter2hunter2", "", "$6$", "$7$CU..../....x"}) {
    const HashCheck check = check_hash(plain);
    EXPECT_FALSE(check.accepted()) << plain;
    if (!plain.empty()) {
      EXPECT_EQ(check.problem.find(plain), std::string::npos) << check.problem;
    }
  }
  EXPECT_EQ(check_hash("secret").kind, HashKind::unknown);
}

TEST(HashKind, RefusesMalformedHashesOfAcceptedSchemes) {
  const std::string bcrypt = make_hash("$2b$", "secret", 4);
  const std::string sha512 = make_hash("$6$", "secret");
  const std::string yescrypt = make_hash("$y$", "secret");
  const std::string malformed[] = {
      bcrypt.substr(0, 59),                                             // one character short
      bcrypt + "A",                                                     // one too many
      "$2b$03" + bcrypt.substr(6),                                      // cost below 04
      "$2b$32" + bcrypt.substr(6),                                      // cost above 31
      "$2b$x4" + bcrypt.substr(6),                                      // cost not digits
      bcrypt.substr(0, 59) + "!",                                       // outside crypt's alphabet
      sha512.substr(0, sha512.size() - 1),                              // digest short
      sha512 + " ",                                                     // trailing space
      "$6$rounds=$salt$" + sha512.substr(sha512.rfind('$') + 1),        // rounds without number
      "$6$" + std::string(17, 'a') + sha512.substr(sha512.rfind('$')),  // salt of 17
      "$5$salt",                                                        // no digest
      yescrypt.substr(0, yescrypt.size() - 1),
      "$y$j9T$" + yescrypt.substr(yescrypt.rfind('$')),  // no salt field
  };
  for (const std::string& hash : malformed) {
    const HashCheck check = check_hash(hash);
    EXPECT_FALSE(check.accepted()) << hash;
    EXPECT_NE(check.problem.find("well-formed"), std::string::npos)
        << hash << ": " << check.problem;
  }
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
