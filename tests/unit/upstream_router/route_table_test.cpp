#include "route_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace proxy::plugins::upstream_router {
namespace {

using nlohmann::json;

// `authorizations`: by parent name; a parent not named has none.
RouteTable table(const json& settings, const std::map<std::string, std::string>& authorizations) {
  const Settings parsed = parse_settings(settings);
  std::vector<std::string> in_order;
  for (const ParentSetting& parent : parsed.parents) {
    const auto found = authorizations.find(parent.name);
    in_order.push_back(found == authorizations.end() ? std::string() : found->second);
  }
  return RouteTable(parsed, in_order);
}

const json settings = json::parse(R"({
  "parents": {
    "corp": {"address": "proxy.corp.example:3128"},
    "backup": {"address": "[2001:db8::9]:8080"}
  },
  "routes": [
    {"domains": ["intranet.example", "10.1.2.3"], "via": "direct"},
    {"domains": ["partner.example"], "via": ["backup"]},
    {"domains": ["*"], "via": ["corp", "backup"]}
  ]
})");

TEST(RouteTable, FirstMatchWinsWithTheParentsFilledIn) {
  const RouteTable routes = table(settings, {{"corp", "Basic Y29ycA=="}});
  const sdk::Route* intranet = routes.route_for("WIKI.intranet.example.");
  ASSERT_NE(intranet, nullptr);
  EXPECT_EQ(intranet->kind(), sdk::Route::Kind::direct);
  EXPECT_EQ(routes.route_for("10.1.2.3")->kind(), sdk::Route::Kind::direct);

  const sdk::Route* partner = routes.route_for("api.partner.example");
  ASSERT_EQ(partner->kind(), sdk::Route::Kind::parents);
  ASSERT_EQ(partner->parents().size(), 1U);
  EXPECT_EQ(partner->parents()[0].name, "backup");
  EXPECT_EQ(partner->parents()[0].host, "2001:db8::9");
  EXPECT_EQ(partner->parents()[0].port, 8080);
  EXPECT_TRUE(partner->parents()[0].authorization.empty());

  const sdk::Route* other = routes.route_for("example.org");
  ASSERT_EQ(other->kind(), sdk::Route::Kind::parents);
  ASSERT_EQ(other->parents().size(), 2U);
  EXPECT_EQ(other->parents()[0].name, "corp");
  EXPECT_EQ(other->parents()[0].authorization, "Basic Y29ycA==");
  EXPECT_EQ(other->parents()[1].name, "backup");
}

TEST(RouteTable, NoMatchLeavesTheRequestDirect) {
  json narrow = settings;
  narrow["routes"].erase(2);
  const RouteTable routes = table(narrow, {});
  EXPECT_EQ(routes.route_for("example.org"), nullptr);
  EXPECT_EQ(routes.route_for("notpartner.example"), nullptr);
  EXPECT_EQ(table(json::object(), {}).route_for("example.org"), nullptr);
}

}  // namespace
}  // namespace proxy::plugins::upstream_router
