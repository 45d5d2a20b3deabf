#include "challenge.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::proxy_auth {
namespace {

TEST(Challenge, IsTheBasicChallengeWithTheRealmAndUtf8) {
  EXPECT_EQ(challenge_header("proxy-server"), R"(Basic realm="proxy-server", charset="UTF-8")");
  EXPECT_EQ(challenge_header("Corp Proxy"), R"(Basic realm="Corp Proxy", charset="UTF-8")");
}

TEST(Challenge, EscapesQuotesAndBackslashesInTheRealm) {
  EXPECT_EQ(challenge_header(R"(say "hi")"), R"(Basic realm="say \"hi\"", charset="UTF-8")");
  EXPECT_EQ(challenge_header(R"(a\b)"), R"(Basic realm="a\\b", charset="UTF-8")");
  EXPECT_EQ(challenge_header(R"(\")"), R"(Basic realm="\\\"", charset="UTF-8")");
}

TEST(Challenge, KeepsUtf8AsIs) {
  EXPECT_EQ(challenge_header("B\xc3\xbcro"), "Basic realm=\"B\xc3\xbcro\", charset=\"UTF-8\"");
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
