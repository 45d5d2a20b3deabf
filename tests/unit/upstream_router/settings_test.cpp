#include "upstream_router_settings.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::upstream_router {
namespace {

using nlohmann::json;

// The error the host would report, or "<none>" when the settings were accepted.
std::string rejected(const json& settings) {
  try {
    parse_settings(settings);
  } catch (const sdk::SettingsError& e) {
    return e.message_for("upstream_router");
  }
  return "<none>";
}

const json design_example = json::parse(R"({
  "parents": {
    "corp": {"address": "proxy.corp.example:3128", "credentials_file": "corp.cred"},
    "backup": {"address": "10.0.0.9:3128"}
  },
  "routes": [
    {"domains": ["intranet.example"], "via": "direct"},
    {"domains": ["*"], "via": ["corp", "backup"]}
  ]
})");

TEST(UpstreamRouterSettings, NothingMeansNoParentsAndNoRoutes) {
  for (const json& settings : {json(nullptr), json::object()}) {
    const Settings parsed = parse_settings(settings);
    EXPECT_TRUE(parsed.parents.empty());
    EXPECT_TRUE(parsed.routes.empty());
  }
}

// The names `via` lists, in its order (parents themselves come in no particular order:
// settings are a JSON object).
std::vector<std::string> via_names(const Settings& parsed, const RouteSetting& route) {
  std::vector<std::string> names;
  for (const std::size_t index : route.via) {
    names.push_back(parsed.parents.at(index).name);
  }
  return names;
}

const ParentSetting& parent_named(const Settings& parsed, const std::string& name) {
  for (const ParentSetting& parent : parsed.parents) {
    if (parent.name == name) {
      return parent;
    }
  }
  throw std::out_of_range("no parent " + name);
}

TEST(UpstreamRouterSettings, ReadsTheDesignsExample) {
  const Settings parsed = parse_settings(design_example);
  ASSERT_EQ(parsed.parents.size(), 2U);
  const ParentSetting& corp = parent_named(parsed, "corp");
  EXPECT_EQ(corp.address.host, "proxy.corp.example");
  EXPECT_EQ(corp.address.port, 3128);
  EXPECT_EQ(corp.credentials_file, "corp.cred");
  const ParentSetting& backup = parent_named(parsed, "backup");
  EXPECT_EQ(backup.address.host, "10.0.0.9");
  EXPECT_TRUE(backup.credentials_file.empty());
  ASSERT_EQ(parsed.routes.size(), 2U);
  EXPECT_FALSE(parsed.routes[0].every_host);
  EXPECT_TRUE(parsed.routes[0].domains.contains("wiki.intranet.example"));
  EXPECT_TRUE(parsed.routes[0].via.empty());
  EXPECT_TRUE(parsed.routes[1].every_host);
  EXPECT_EQ(via_names(parsed, parsed.routes[1]), (std::vector<std::string>{"corp", "backup"}));
}

TEST(UpstreamRouterSettings, ViaMayNameOneParentWithoutAList) {
  json settings = design_example;
  settings["routes"][1]["via"] = "backup";
  const Settings parsed = parse_settings(settings);
  EXPECT_EQ(via_names(parsed, parsed.routes[1]), (std::vector<std::string>{"backup"}));
}

TEST(UpstreamRouterSettings, ErrorsNameTheKey) {
  const auto with = [](const std::string& pointer, const json& value) {
    json settings = design_example;
    settings[json::json_pointer(pointer)] = value;
    return rejected(settings);
  };
  const std::string prefix = "plugins.settings.upstream_router.";
  EXPECT_EQ(rejected(json{{"parent", json::object()}}).rfind(prefix + "parent: unknown setting", 0),
            0U);
  EXPECT_EQ(with("/parents/corp/address", "proxy.corp.example")
                .rfind(prefix + "parents.corp.address: expected host:port", 0),
            0U);
  EXPECT_EQ(with("/parents/corp/adress", "x:1").rfind(prefix + "parents.corp.adress: unknown", 0),
            0U);
  EXPECT_EQ(with("/parents/corp/credentials_file", "")
                .rfind(prefix + "parents.corp.credentials_file: expected the path", 0),
            0U);
  EXPECT_EQ(with("/parents/bad name", json{{"address", "x:1"}})
                .rfind(prefix + "parents.bad name: expected a parent name", 0),
            0U);
  EXPECT_EQ(with("/parents/direct", json{{"address", "x:1"}})
                .rfind(prefix + "parents.direct: expected a parent name", 0),
            0U);
  EXPECT_EQ(with("/routes/1/via/1", "corpp")
                .rfind(prefix + "routes[1].via[1]: expected a parent under parents (backup, corp), "
                                "got \"corpp\" (no such parent)",
                       0),
            0U);
  EXPECT_EQ(
      with("/routes/1/via", "nowhere").rfind(prefix + "routes[1].via: expected \"direct\" or", 0),
      0U);
  EXPECT_EQ(with("/routes/1/via/1", "direct").rfind(prefix + "routes[1].via[1]: expected", 0), 0U);
  EXPECT_NE(with("/routes/1/via/1", "corp")
                .find("routes[1].via[1]: expected a parent under "
                      "parents (backup, corp), got \"corp\" (named twice)"),
            std::string::npos);
  EXPECT_EQ(with("/routes/1/via", json::array()).rfind(prefix + "routes[1].via: expected", 0), 0U);
  EXPECT_EQ(with("/routes/0/domains", json::array())
                .rfind(prefix + "routes[0].domains: expected a non-empty list", 0),
            0U);
  EXPECT_EQ(
      with("/routes/0/domains", json::array({"*", "*.evil.com"}))
          .rfind(prefix + "routes[0].domains[1]: expected a host name, IP address or \"*\"", 0),
      0U);
  EXPECT_EQ(with("/routes/0/extra", 1).rfind(prefix + "routes[0].extra: unknown setting", 0), 0U);
  json no_via = design_example;
  no_via["routes"][0].erase("via");
  EXPECT_EQ(rejected(no_via).rfind(prefix + "routes[0].via: required setting missing", 0), 0U);
}

TEST(UpstreamRouterSettings, RelativePathsAreTakenFromTheConfigFolder) {
  EXPECT_EQ(resolve_path("corp.cred", "/etc/proxy-server"), "/etc/proxy-server/corp.cred");
  EXPECT_EQ(resolve_path("/run/secrets/corp", "/etc/proxy-server"), "/run/secrets/corp");
  EXPECT_EQ(resolve_path("corp.cred", ""), "corp.cred");
}

}  // namespace
}  // namespace proxy::plugins::upstream_router
