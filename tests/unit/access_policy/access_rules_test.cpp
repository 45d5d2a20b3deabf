#include "access_rules.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::access_policy {
namespace {

using nlohmann::json;

AccessRules rules(const json& settings) {
  return AccessRules(parse_access_policy_settings(settings));
}

const Rejection domain_blocked{403, "domain blocked by policy"};
const Rejection method_refused{405, "method not allowed by policy"};
const Rejection port_refused{403, "CONNECT port not allowed by policy"};

TEST(AccessRules, DefaultsAllowOrdinaryRequests) {
  const AccessRules defaults = rules(json::object());
  EXPECT_EQ(defaults.check_request({"GET", "example.com", 80, false}), std::nullopt);
  EXPECT_EQ(defaults.check_request({"CONNECT", "example.com", 443, true}), std::nullopt);
  EXPECT_TRUE(defaults.client_allowed("127.0.0.1"));
  EXPECT_TRUE(defaults.client_allowed("::ffff:127.0.0.1"));
  EXPECT_TRUE(defaults.client_allowed("::1"));
  EXPECT_FALSE(defaults.client_allowed("192.0.2.1"));
  EXPECT_FALSE(defaults.client_allowed("not an address"));
}

TEST(AccessRules, BlockedDomainsForPlainAndConnect) {
  const AccessRules blocking = rules({{"blocked_domains", {"evil.com", "10.0.0.1"}}});
  EXPECT_EQ(blocking.check_request({"GET", "evil.com", 80, false}), domain_blocked);
  EXPECT_EQ(blocking.check_request({"GET", "sub.evil.com.", 80, false}), domain_blocked);
  EXPECT_EQ(blocking.check_request({"CONNECT", "www.evil.com", 443, true}), domain_blocked);
  EXPECT_EQ(blocking.check_request({"GET", "10.0.0.1", 80, false}), domain_blocked);
  EXPECT_EQ(blocking.check_request({"GET", "notevil.com", 80, false}), std::nullopt);
  EXPECT_EQ(blocking.check_request({"GET", "110.0.0.1", 80, false}), std::nullopt);
  // A request without a target host (origin-form) has nothing to match.
  EXPECT_EQ(blocking.check_request({"GET", "", 0, false}), std::nullopt);
}

TEST(AccessRules, MethodsAreCaseSensitive) {
  const AccessRules only_get = rules({{"allowed_methods", {"GET"}}});
  EXPECT_EQ(only_get.check_request({"GET", "a.com", 80, false}), std::nullopt);
  EXPECT_EQ(only_get.check_request({"get", "a.com", 80, false}), method_refused);
  EXPECT_EQ(only_get.check_request({"POST", "a.com", 80, false}), method_refused);
  EXPECT_EQ(only_get.check_request({"CONNECT", "a.com", 443, true}), method_refused);
}

TEST(AccessRules, ConnectPorts) {
  const AccessRules ports = rules({{"connect_ports", {443, 8443}}});
  EXPECT_EQ(ports.check_request({"CONNECT", "a.com", 8443, true}), std::nullopt);
  EXPECT_EQ(ports.check_request({"CONNECT", "a.com", 22, true}), port_refused);
  // Plain requests are not limited by connect_ports.
  EXPECT_EQ(ports.check_request({"GET", "a.com", 8080, false}), std::nullopt);
}

TEST(AccessRules, MethodIsCheckedBeforePortBeforeDomain) {
  const AccessRules all = rules({{"allowed_methods", {"GET", "CONNECT"}},
                                 {"connect_ports", {443}},
                                 {"blocked_domains", {"evil.com"}}});
  EXPECT_EQ(all.check_request({"POST", "evil.com", 80, false}), method_refused);
  EXPECT_EQ(all.check_request({"CONNECT", "evil.com", 22, true}), port_refused);
  EXPECT_EQ(all.check_request({"CONNECT", "evil.com", 443, true}), domain_blocked);
}

TEST(AccessRules, ClientAllowList) {
  const AccessRules one = rules({{"client_allow", {"127.0.0.2/32"}}});
  EXPECT_TRUE(one.client_allowed("127.0.0.2"));
  EXPECT_FALSE(one.client_allowed("127.0.0.1"));
  const AccessRules none = rules({{"client_allow", json::array()}});
  EXPECT_FALSE(none.client_allowed("127.0.0.1"));
}

}  // namespace
}  // namespace proxy::plugins::access_policy
