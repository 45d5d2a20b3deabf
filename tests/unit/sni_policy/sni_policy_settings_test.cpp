#include "sni_policy_settings.hpp"

#include <gtest/gtest.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::sni_policy {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string error_key(const json& settings) {
  try {
    parse_sni_policy_settings(settings);
  } catch (const sdk::SettingsError& e) {
    return e.key();
  }
  return "<none>";
}

TEST(SniPolicySettings, DefaultsAreDesignMd) {
  for (const json& settings : {json::object(), json()}) {
    const SniPolicySettings out = parse_sni_policy_settings(settings);
    EXPECT_TRUE(out.blocked.empty());
    EXPECT_TRUE(out.allowed.empty());
    EXPECT_TRUE(out.block_missing_sni);
    EXPECT_FALSE(out.block_ech);
    EXPECT_EQ(out.peek_timeout, 5s);
    EXPECT_FALSE(out.require_host_match);
  }
}

TEST(SniPolicySettings, ValuesAreRead) {
  const SniPolicySettings out = parse_sni_policy_settings({{"blocked", {"evil.com"}},
                                                           {"allowed", {"good.com"}},
                                                           {"on_missing_sni", "allow"},
                                                           {"on_ech", "block"},
                                                           {"peek_timeout", 0.5},
                                                           {"require_host_match", true}});
  EXPECT_TRUE(out.blocked.contains("a.evil.com"));
  EXPECT_TRUE(out.allowed.contains("good.com"));
  EXPECT_FALSE(out.block_missing_sni);
  EXPECT_TRUE(out.block_ech);
  EXPECT_EQ(out.peek_timeout, 500ms);
  EXPECT_TRUE(out.require_host_match);
}

TEST(SniPolicySettings, EveryKeyIsValidated) {
  EXPECT_EQ(error_key({{"block", json::array()}}), "block");
  EXPECT_EQ(error_key(json("x")), "");
  EXPECT_EQ(error_key({{"blocked", {"ok.com", "bad host"}}}), "blocked[1]");
  EXPECT_EQ(error_key({{"allowed", {"*.ok.com"}}}), "allowed[0]");
  EXPECT_EQ(error_key({{"allowed", "ok.com"}}), "allowed");
  EXPECT_EQ(error_key({{"on_missing_sni", "drop"}}), "on_missing_sni");
  EXPECT_EQ(error_key({{"on_missing_sni", true}}), "on_missing_sni");
  EXPECT_EQ(error_key({{"on_ech", "deny"}}), "on_ech");
  EXPECT_EQ(error_key({{"peek_timeout", 0}}), "peek_timeout");
  EXPECT_EQ(error_key({{"peek_timeout", -2}}), "peek_timeout");
  EXPECT_EQ(error_key({{"peek_timeout", 3601}}), "peek_timeout");
  EXPECT_EQ(error_key({{"peek_timeout", "5"}}), "peek_timeout");
  EXPECT_EQ(error_key({{"require_host_match", "yes"}}), "require_host_match");
}

}  // namespace
}  // namespace proxy::plugins::sni_policy
