// What a decision's route carries since ABI 1.3: direct or a list of parents, checked
// against the rules of abi.h; one that breaks them fails the transaction, never going
// direct in its place.
#include "plugin_host/route_choice.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "plugin_host/hook_decision.hpp"

namespace proxy::host {
namespace {

proxy_str str(const std::string& text) {
  return {text.data(), text.size()};
}

using ParentList = std::vector<std::tuple<std::string, std::string, std::uint16_t, std::string>>;

// Owns the strings its views point into: not copyable, since a copy's views would still
// point into the original's strings.
struct Parents {
  std::vector<std::string> strings;  // name, host, authorization for each
  std::vector<proxy_parent> views;
  explicit Parents(ParentList parents) {
    strings.reserve(parents.size() * 3);
    for (const auto& [name, host, port, authorization] : parents) {
      strings.push_back(name);
      strings.push_back(host);
      strings.push_back(authorization);
    }
    for (std::size_t i = 0; i < parents.size(); ++i) {
      views.push_back({str(strings[3 * i]), str(strings[3 * i + 1]), std::get<2>(parents[i]),
                       str(strings[3 * i + 2])});
    }
  }
  Parents(const Parents&) = delete;
  Parents& operator=(const Parents&) = delete;
};

proxy_decision allow_via(const Parents& parents) {
  proxy_decision out{};
  out.size = sizeof(out);
  out.verdict = PROXY_VERDICT_ALLOW;
  out.route = PROXY_ROUTE_PARENTS;
  out.parents = parents.views.data();
  out.parent_count = static_cast<std::uint32_t>(parents.views.size());
  return out;
}

TEST(RouteChoice, ParentsAreCopiedInOrder) {
  const Parents parents(
      {{"corp", "proxy.corp.example", 3128, "Basic dTpw"}, {"backup", "2001:db8::9", 8080, ""}});
  const HookDecision decision = read_decision(allow_via(parents), "router");
  ASSERT_TRUE(decision.allowed());
  ASSERT_EQ(decision.route.kind, RouteChoice::Kind::parents);
  ASSERT_EQ(decision.route.parents.size(), 2U);
  EXPECT_EQ(decision.route.parents[0].name, "corp");
  EXPECT_EQ(decision.route.parents[0].host, "proxy.corp.example");
  EXPECT_EQ(decision.route.parents[0].port, 3128);
  EXPECT_EQ(decision.route.parents[0].authorization, "Basic dTpw");
  EXPECT_EQ(decision.route.parents[1].name, "backup");
  EXPECT_EQ(decision.route.parents[1].host, "2001:db8::9");
  EXPECT_TRUE(decision.route.parents[1].authorization.empty());
}

TEST(RouteChoice, DirectAndUnset) {
  proxy_decision out{};
  out.size = sizeof(out);
  out.route = PROXY_ROUTE_DIRECT;
  EXPECT_EQ(read_decision(out, "router").route.kind, RouteChoice::Kind::direct);
  out.route = PROXY_ROUTE_UNSET;
  EXPECT_EQ(read_decision(out, "router").route.kind, RouteChoice::Kind::unset);
}

TEST(RouteChoice, AnOlderPluginsShorterDecisionChoosesNothing) {
  const Parents parents({{"corp", "proxy", 3128, ""}});
  proxy_decision old = allow_via(parents);
  old.size = offsetof(proxy_decision, route);  // a 1.2 plugin's struct ends here
  const HookDecision decision = read_decision(old, "old");
  EXPECT_TRUE(decision.allowed());
  EXPECT_EQ(decision.route.kind, RouteChoice::Kind::unset);
}

TEST(RouteChoice, ARejectionsRouteIsIgnored) {
  const Parents parents({{"bad name", "", 0, ""}});  // would fail if it were read
  proxy_decision out = allow_via(parents);
  out.verdict = PROXY_VERDICT_REJECT;
  out.status = 403;
  const HookDecision decision = read_decision(out, "router");
  EXPECT_EQ(decision.verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(decision.status, 403);
  EXPECT_EQ(decision.route.kind, RouteChoice::Kind::unset);
}

TEST(RouteChoice, ARouteThatBreaksARuleFailsTheTransaction) {
  const std::string long_name(PROXY_PARENT_NAME_MAX + 1, 'n');
  const std::string long_host(PROXY_PARENT_HOST_MAX + 1, 'h');
  const std::string long_authorization(PROXY_PARENT_AUTHORIZATION_MAX + 1, 'a');
  const std::vector<ParentList> broken = {
      {{"", "proxy", 3128, ""}},
      {{long_name, "proxy", 3128, ""}},
      {{"corp proxy", "proxy", 3128, ""}},
      {{"corp", "", 3128, ""}},
      {{"corp", long_host, 3128, ""}},
      {{"corp", "proxy/evil", 3128, ""}},
      {{"corp", "proxy", 0, ""}},
      {{"corp", "proxy", 3128, "Basic x\r\nX-Injected: 1"}},
      {{"corp", "proxy", 3128, long_authorization}},
      {{"ok", "proxy", 3128, ""}, {"second", "proxy", 0, ""}},
  };
  for (std::size_t i = 0; i < broken.size(); ++i) {
    const Parents parents(broken[i]);
    const HookDecision decision = read_decision(allow_via(parents), "router");
    EXPECT_EQ(decision.verdict, PROXY_VERDICT_FAILED) << i;
    EXPECT_EQ(decision.status, 500) << i;
    EXPECT_EQ(decision.plugin, "router") << i;
    EXPECT_NE(decision.reason.find("route refused"), std::string::npos) << decision.reason;
    EXPECT_EQ(decision.reason.find("Injected"), std::string::npos) << "never quoted";
  }
}

TEST(RouteChoice, ParentCountAndKindAreBounded) {
  const Parents none({});
  EXPECT_EQ(read_decision(allow_via(none), "r").verdict, PROXY_VERDICT_FAILED);
  std::vector<std::tuple<std::string, std::string, std::uint16_t, std::string>> many;
  for (int i = 0; i <= PROXY_ROUTE_PARENTS_MAX; ++i) {
    many.emplace_back("p" + std::to_string(i), "proxy", 3128, "");
  }
  EXPECT_EQ(read_decision(allow_via(Parents(many)), "r").verdict, PROXY_VERDICT_FAILED);
  many.pop_back();
  EXPECT_TRUE(read_decision(allow_via(Parents(many)), "r").allowed());
  const Parents one({{"corp", "proxy", 3128, ""}});
  proxy_decision unknown = allow_via(one);
  unknown.route = 7;
  EXPECT_EQ(read_decision(unknown, "r").verdict, PROXY_VERDICT_FAILED);
  proxy_decision missing = allow_via(one);
  missing.parents = nullptr;
  EXPECT_EQ(read_decision(missing, "r").verdict, PROXY_VERDICT_FAILED);
}

}  // namespace
}  // namespace proxy::host
