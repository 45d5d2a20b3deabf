#include "sni_rules.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::sni_policy {
namespace {

using nlohmann::json;

SniRules rules(const json& settings) {
  return SniRules(parse_sni_policy_settings(settings));
}

TunnelFacts tls(std::string_view sni, std::string_view host = "example.com", bool ech = false) {
  return TunnelFacts{true, sni, ech, host};
}

const TunnelFacts not_tls{false, "", false, "example.com"};

TEST(SniRules, DefaultsPassAnySniAndBlockMissing) {
  const SniRules defaults = rules(json::object());
  EXPECT_EQ(defaults.check(tls("example.com")), std::nullopt);
  EXPECT_EQ(defaults.check(tls("other.org")), std::nullopt);
  EXPECT_EQ(defaults.check(not_tls), "not a TLS ClientHello");
  EXPECT_EQ(defaults.check(tls("")), "ClientHello without SNI");
  EXPECT_EQ(defaults.check(tls("example.com", "example.com", true)), std::nullopt);
}

TEST(SniRules, MissingSniAllowed) {
  const SniRules allow = rules({{"on_missing_sni", "allow"}, {"allowed", {"only.com"}}});
  EXPECT_EQ(allow.check(not_tls), std::nullopt);
  // Without an SNI there is nothing for `allowed` to match: on_missing_sni decides.
  EXPECT_EQ(allow.check(tls("")), std::nullopt);
}

TEST(SniRules, BlockedUsesDomainMatching) {
  const SniRules blocking = rules({{"blocked", {"evil.com"}}});
  EXPECT_EQ(blocking.check(tls("evil.com")), "SNI blocked by policy");
  EXPECT_EQ(blocking.check(tls("cdn.evil.com")), "SNI blocked by policy");
  EXPECT_EQ(blocking.check(tls("notevil.com")), std::nullopt);
}

TEST(SniRules, AllowedListOnlyLetsItsNamesThrough) {
  const SniRules allowing = rules({{"allowed", {"good.com"}}, {"blocked", {"bad.good.com"}}});
  EXPECT_EQ(allowing.check(tls("good.com")), std::nullopt);
  EXPECT_EQ(allowing.check(tls("api.good.com")), std::nullopt);
  EXPECT_EQ(allowing.check(tls("other.com")), "SNI not in the allowed list");
  // blocked wins over allowed.
  EXPECT_EQ(allowing.check(tls("bad.good.com")), "SNI blocked by policy");
}

TEST(SniRules, EchBlockedOnlyWhenAsked) {
  const SniRules block = rules({{"on_ech", "block"}, {"on_missing_sni", "allow"}});
  EXPECT_EQ(block.check(tls("public.example", "x.com", true)),
            "encrypted_client_hello refused by policy");
  EXPECT_EQ(block.check(tls("", "x.com", true)), "encrypted_client_hello refused by policy");
  EXPECT_EQ(block.check(tls("public.example", "x.com", false)), std::nullopt);
  // With ECH allowed, the outer (public) name is what the lists see.
  const SniRules lists = rules({{"blocked", {"public.example"}}});
  EXPECT_EQ(lists.check(tls("public.example", "x.com", true)), "SNI blocked by policy");
}

TEST(SniRules, RequireHostMatch) {
  const SniRules match = rules({{"require_host_match", true}});
  EXPECT_EQ(match.check(tls("example.com", "example.com")), std::nullopt);
  EXPECT_EQ(match.check(tls("example.com", "EXAMPLE.com.")), std::nullopt);
  EXPECT_EQ(match.check(tls("front.example", "example.com")),
            "SNI does not match the CONNECT host");
  // A subdomain is another name: fronting through it is what this check exists for.
  EXPECT_EQ(match.check(tls("a.example.com", "example.com")),
            "SNI does not match the CONNECT host");
  EXPECT_EQ(match.check(tls("localhost", "127.0.0.1")), "SNI does not match the CONNECT host");
  EXPECT_EQ(rules(json::object()).check(tls("front.example", "example.com")), std::nullopt);
}

TEST(SniMatchesHost, IpLiteralHostsNeverMatch) {
  EXPECT_TRUE(sni_matches_host("localhost", "LocalHost"));
  EXPECT_FALSE(sni_matches_host("", ""));
  EXPECT_FALSE(sni_matches_host("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(sni_matches_host("1", "::1"));
  EXPECT_FALSE(sni_matches_host("a.com", "a.co"));
}

}  // namespace
}  // namespace proxy::plugins::sni_policy
