// Files as operators make them: the real htpasswd (apache2-utils) and openssl passwd,
// whose hashes come from code other than the libcrypt that verifies them.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "hash_kind.hpp"
#include "htpasswd_file.hpp"
#include "password_check.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

// What `command` prints on stdout; fails the test when it does not exit 0.
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return out;
  }
  char buffer[512];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    out.append(buffer, n);
  }
  EXPECT_EQ(::pclose(pipe), 0) << command << " failed (is apache2-utils installed?)";
  return out;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

TEST(HtpasswdTool, BcryptLinesFromHtpasswdLoadAndVerify) {
  // -n prints the line instead of writing a file; -b takes the password as an argument.
  const std::string text = run("htpasswd -nbB alice 'open sesame' 2>/dev/null") +
                           run("htpasswd -nbB -C 4 bob hunter2 2>/dev/null");
  const UserTable users = parse_htpasswd(text, "users.htpasswd");
  ASSERT_EQ(users.size(), 2U);
  ASSERT_NE(users.find("alice"), nullptr);
  EXPECT_EQ(users.find("alice")->substr(0, 4), "$2y$");
  CryptScratch scratch;
  EXPECT_EQ(check_password("open sesame", *users.find("alice"), scratch), CheckResult::match);
  EXPECT_EQ(check_password("open sesam", *users.find("alice"), scratch), CheckResult::mismatch);
  EXPECT_EQ(check_password("hunter2", *users.find("bob"), scratch), CheckResult::match);
}

TEST(HtpasswdTool, HtpasswdsOtherSchemesAreRefusedByName) {
  const struct {
    const char* option;
    const char* named;
  } cases[] = {
      {"-m", "Apache MD5 ($apr1$)"},  // htpasswd's own default
      {"-s", "unsalted SHA-1 ({SHA})"},
      {"-d", "DES crypt"},
      {"-p", "plain text"},
  };
  for (const auto& c : cases) {
    const std::string line =
        run(std::string("htpasswd -nb ") + c.option + " alice pw-for-test 2>/dev/null");
    try {
      parse_htpasswd(line, "users.htpasswd");
      ADD_FAILURE() << "loaded " << c.option;
    } catch (const LoadError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("users.htpasswd, line 1: user \"alice\""), std::string::npos) << what;
      EXPECT_NE(what.find(c.named), std::string::npos) << what;
      EXPECT_EQ(what.find("pw-for-test"), std::string::npos) << what;
    }
  }
}

TEST(HtpasswdTool, ShaCryptHashesFromOpensslVerify) {
  CryptScratch scratch;
  for (const char* scheme : {"-5", "-6"}) {
    const std::string hash =
        trimmed(run(std::string("openssl passwd ") + scheme + " 'correct horse'"));
    EXPECT_TRUE(check_hash(hash).accepted()) << hash << ": " << check_hash(hash).problem;
    EXPECT_EQ(check_password("correct horse", hash, scratch), CheckResult::match) << hash;
    EXPECT_EQ(check_password("correct horsf", hash, scratch), CheckResult::mismatch) << hash;
  }
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
