#include "htpasswd_file.hpp"

#include <sys/stat.h>

#include <string>

#include <gtest/gtest.h>

#include "test_hashes.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

using testing::bcrypt_hash;
using testing::make_hash;

// The LoadError message parse_htpasswd throws, or "<loaded>".
std::string load_error(const std::string& text, const LoadLimits& limits = {}) {
  try {
    parse_htpasswd(text, "users.htpasswd", limits);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "<loaded>";
}

class HtpasswdParse : public ::testing::Test {
 protected:
  const std::string alice_ = bcrypt_hash("alice-pw");
  const std::string bob_ = make_hash("$6$", "bob-pw");
};

TEST_F(HtpasswdParse, ReadsUsersSkippingCommentsAndBlankLines) {
  const std::string text =
      "# users\n\nalice:" + alice_ + "\n   \n  # indented comment\r\nbob:" + bob_ + "\r\n\t\n";
  const UserTable users = parse_htpasswd(text, "users.htpasswd");
  ASSERT_EQ(users.size(), 2U);
  ASSERT_NE(users.find("alice"), nullptr);
  EXPECT_EQ(*users.find("alice"), alice_);
  ASSERT_NE(users.find("bob"), nullptr);
  EXPECT_EQ(*users.find("bob"), bob_);  // the CR of a CRLF line is not part of the hash
  EXPECT_EQ(users.find("carol"), nullptr);
  EXPECT_EQ(users.find("Alice"), nullptr);  // names compare exactly
  EXPECT_EQ(users.decoy_hash(), alice_);
}

TEST_F(HtpasswdParse, TheLastLineNeedsNoNewline) {
  EXPECT_EQ(parse_htpasswd("alice:" + alice_, "f").size(), 1U);
  EXPECT_EQ(parse_htpasswd("", "f").size(), 0U);
  EXPECT_EQ(parse_htpasswd("", "f").decoy_hash(), "");
}

TEST_F(HtpasswdParse, RefusesWeakHashesNamingFileLineAndUser) {
  const struct {
    std::string hash;
    const char* named;
  } cases[] = {
      {"plaintext-password", "plain text"},
      {"abJnggxhB/yWI", "DES crypt"},
      {make_hash("$1$", "x"), "MD5-crypt ($1$)"},
      {"$apr1$Vh2b2e6x$8c9cxQn2A1ZfUeE2fJq1u/", "Apache MD5 ($apr1$)"},
      {"{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "unsalted SHA-1 ({SHA})"},
  };
  for (const auto& c : cases) {
    const std::string error = load_error("# a comment\nalice:" + alice_ + "\n\nbob:" + c.hash);
    EXPECT_EQ(error.rfind("users.htpasswd, line 4: user \"bob\": the hash is", 0), 0U) << error;
    EXPECT_NE(error.find(c.named), std::string::npos) << error;
    EXPECT_EQ(error.find(c.hash), std::string::npos) << "the hash is quoted: " << error;
  }
}

TEST_F(HtpasswdParse, RefusesADuplicateUserNamingBothLines) {
  EXPECT_EQ(load_error("alice:" + alice_ + "\nbob:" + bob_ + "\nalice:" + bob_),
            "users.htpasswd, line 3: user \"alice\": already defined on line 1");
}

TEST_F(HtpasswdParse, RefusesMalformedLinesNamingTheLine) {
  EXPECT_EQ(load_error("alice:" + alice_ + "\nbob"),
            "users.htpasswd, line 2: expected user:hash, found no ':'");
  EXPECT_EQ(load_error(":" + alice_), "users.htpasswd, line 1: the user name is empty");
  EXPECT_EQ(load_error("al ice:" + alice_),
            "users.htpasswd, line 1: the user name holds a space or a control character");
  EXPECT_EQ(load_error(" alice:" + alice_),
            "users.htpasswd, line 1: the user name holds a space or a control character");
  EXPECT_EQ(load_error(std::string("al\0ice:", 7) + alice_),
            "users.htpasswd, line 1: the user name holds a space or a control character");
  EXPECT_EQ(load_error("alice:" + alice_ + ":comment"),
            "users.htpasswd, line 1: user \"alice\": expected user:hash, found more than one ':'");
  EXPECT_EQ(load_error(std::string(256, 'u') + ":" + alice_),
            "users.htpasswd, line 1: the user name is longer than 255 bytes");
  EXPECT_EQ(load_error(std::string(255, 'u') + ":" + alice_), "<loaded>");
}

TEST_F(HtpasswdParse, RefusesALineLongerThanTheLimit) {
  LoadLimits limits;
  limits.max_line_bytes = 80;
  const std::string line = "alice:" + alice_;  // 66 bytes
  EXPECT_EQ(load_error(line + std::string(14, ' '), limits).find("line is longer"),
            std::string::npos);  // 80 bytes: within (then refused for its hash)
  EXPECT_EQ(load_error("# " + std::string(79, 'x') + "\n" + line, limits),
            "users.htpasswd, line 1: the line is longer than 80 bytes");
  EXPECT_EQ(load_error(line + "\n" + line.substr(0, 1) + std::string(80, 'x'), limits),
            "users.htpasswd, line 2: the line is longer than 80 bytes");
  EXPECT_EQ(LoadLimits{}.max_line_bytes, 1024U);
}

using HtpasswdLoad = testing::TempDirTest;

TEST_F(HtpasswdLoad, LoadsAFileAndStampsIt) {
  const std::string path = write("users", "alice:" + bcrypt_hash("pw") + "\n");
  const LoadedUsers loaded = load_htpasswd(path);
  EXPECT_EQ(loaded.users.size(), 1U);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(loaded.stamp, FileStamp::of(info));
}

TEST_F(HtpasswdLoad, ErrorsNameThePath) {
  const std::string path = write("users", "alice:" + bcrypt_hash("pw") + "\nbob:plain\n");
  try {
    load_htpasswd(path);
    FAIL() << "loaded";
  } catch (const LoadError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ", line 2: user \"bob\"", 0), 0U) << e.what();
  }
  const std::string missing = (dir_ / "missing").string();
  EXPECT_THROW(
      {
        try {
          load_htpasswd(missing);
        } catch (const LoadError& e) {
          EXPECT_STREQ(
              e.what(),
              ("users file '" + missing + "': cannot open: No such file or directory").c_str());
          throw;
        }
      },
      LoadError);
}

TEST_F(HtpasswdLoad, RefusesAFileOverTheSizeLimitAndNonFiles) {
  const std::string line = "alice:" + bcrypt_hash("pw") + "\n";  // 67 bytes
  LoadLimits limits;
  limits.max_file_bytes = 67;
  EXPECT_EQ(load_htpasswd(write("fits", line), limits).users.size(), 1U);
  const std::string big = write("big", line + "\n");
  try {
    load_htpasswd(big, limits);
    FAIL() << "loaded";
  } catch (const LoadError& e) {
    EXPECT_EQ(std::string(e.what()), "users file '" + big + "': larger than 67 bytes");
  }
  EXPECT_THROW(load_htpasswd(dir_.string()), LoadError);  // a folder
  // A device that never ends is cut at the bound rather than read for ever.
  try {
    load_htpasswd("/dev/zero", limits);
    FAIL() << "loaded";
  } catch (const LoadError& e) {
    EXPECT_EQ(std::string(e.what()), "users file '/dev/zero': not a regular file");
  }
  EXPECT_EQ(LoadLimits{}.max_file_bytes, 16U << 20U);
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
