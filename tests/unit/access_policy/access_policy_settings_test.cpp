#include "access_policy_settings.hpp"

#include <gtest/gtest.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::access_policy {
namespace {

using nlohmann::json;

std::string error_key(const json& settings) {
  try {
    parse_access_policy_settings(settings);
  } catch (const sdk::SettingsError& e) {
    return e.key();
  }
  return "<none>";
}

TEST(AccessPolicySettings, DefaultsAreDesignMd) {
  const AccessPolicySettings settings = parse_access_policy_settings(json::object());
  EXPECT_TRUE(settings.client_allow.contains("127.0.0.1"));
  EXPECT_TRUE(settings.client_allow.contains("127.9.9.9"));
  EXPECT_TRUE(settings.client_allow.contains("::1"));
  EXPECT_FALSE(settings.client_allow.contains("10.0.0.1"));
  EXPECT_EQ(settings.client_allow.size(), 2U);
  EXPECT_TRUE(settings.blocked_domains.empty());
  EXPECT_EQ(settings.allowed_methods,
            (MethodSet{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT"}));
  EXPECT_EQ(settings.connect_ports.count(), 1U);
  EXPECT_TRUE(settings.connect_ports.test(443));
  EXPECT_TRUE(settings.unusual_methods.empty());
  // A null settings block (the plugin's key with nothing under it) is the same.
  EXPECT_EQ(parse_access_policy_settings(json()).allowed_methods, settings.allowed_methods);
}

TEST(AccessPolicySettings, ValuesAreRead) {
  const AccessPolicySettings settings =
      parse_access_policy_settings({{"blocked_domains", {"evil.com"}},
                                    {"allowed_methods", {"GET", "PROPFIND", "get"}},
                                    {"connect_ports", {443, 8443}},
                                    {"client_allow", {"10.0.0.0/8"}}});
  EXPECT_TRUE(settings.blocked_domains.contains("x.evil.com"));
  EXPECT_EQ(settings.allowed_methods, (MethodSet{"GET", "PROPFIND", "get"}));
  EXPECT_EQ(settings.unusual_methods, std::vector<std::string>{"get"});
  EXPECT_TRUE(settings.connect_ports.test(8443));
  EXPECT_FALSE(settings.connect_ports.test(80));
  EXPECT_TRUE(settings.client_allow.contains("10.2.3.4"));
  EXPECT_FALSE(settings.client_allow.contains("127.0.0.1"));
}

TEST(AccessPolicySettings, EveryKeyIsValidated) {
  EXPECT_EQ(error_key({{"blocked_domain", json::array()}}), "blocked_domain");
  EXPECT_EQ(error_key(json::array()), "");
  EXPECT_EQ(error_key({{"blocked_domains", "evil.com"}}), "blocked_domains");
  EXPECT_EQ(error_key({{"blocked_domains", {"a.com", "b.com", "c.com", "*.d.com"}}}),
            "blocked_domains[3]");
  EXPECT_EQ(error_key({{"blocked_domains", {1}}}), "blocked_domains[0]");
  EXPECT_EQ(error_key({{"allowed_methods", {"GET", "BAD METHOD"}}}), "allowed_methods[1]");
  EXPECT_EQ(error_key({{"allowed_methods", {""}}}), "allowed_methods[0]");
  EXPECT_EQ(error_key({{"allowed_methods", {"GET", "P(OST)"}}}), "allowed_methods[1]");
  EXPECT_EQ(error_key({{"connect_ports", {443, 0}}}), "connect_ports[1]");
  EXPECT_EQ(error_key({{"connect_ports", {70000}}}), "connect_ports[0]");
  EXPECT_EQ(error_key({{"connect_ports", 443}}), "connect_ports");
  EXPECT_EQ(error_key({{"client_allow", {"127.0.0.0/8", "localhost"}}}), "client_allow[1]");
  EXPECT_EQ(error_key({{"client_allow", {"127.0.0.0/40"}}}), "client_allow[0]");
  EXPECT_EQ(error_key({{"client_allow", nullptr}}), "client_allow");
}

}  // namespace
}  // namespace proxy::plugins::access_policy
