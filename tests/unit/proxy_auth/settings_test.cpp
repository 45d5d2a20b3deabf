#include "proxy_auth_settings.hpp"

#include <string>

#include <gtest/gtest.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The key and message of the error, or "<none>" when the settings were accepted.
std::string rejected(const json& settings) {
  try {
    parse_settings(settings);
  } catch (const sdk::SettingsError& e) {
    return e.message_for("proxy_auth");
  }
  return "<none>";
}

TEST(ProxyAuthSettings, DefaultsMatchTheDesign) {
  for (const json& settings : {json(nullptr), json::object()}) {
    const Settings parsed = parse_settings(settings);
    EXPECT_EQ(parsed.realm, "proxy-server");
    EXPECT_EQ(parsed.users_file, "users.htpasswd");
    EXPECT_EQ(parsed.cache_ttl, 300s);
    EXPECT_TRUE(parsed.bypass_networks.empty());
    EXPECT_EQ(parsed.max_failures, 10U);
    EXPECT_EQ(parsed.verify_threads, 2U);
    EXPECT_EQ(parsed.verify_queue, 64U);
  }
}

TEST(ProxyAuthSettings, ReadsEveryKey) {
  const Settings parsed = parse_settings(json{{"realm", "Corp"},
                                              {"users_file", "/etc/proxy/users"},
                                              {"cache_seconds", 0},
                                              {"bypass_networks", {"10.0.0.0/8", "::1"}},
                                              {"max_failures", 0},
                                              {"verify_threads", 4},
                                              {"verify_queue", 10}});
  EXPECT_EQ(parsed.realm, "Corp");
  EXPECT_EQ(parsed.users_file, "/etc/proxy/users");
  EXPECT_EQ(parsed.cache_ttl, 0ms);
  EXPECT_TRUE(parsed.bypass_networks.contains("10.1.2.3"));
  EXPECT_TRUE(parsed.bypass_networks.contains("::1"));
  EXPECT_FALSE(parsed.bypass_networks.contains("192.168.0.1"));
  EXPECT_EQ(parsed.max_failures, 0U);
  EXPECT_EQ(parsed.verify_threads, 4U);
  EXPECT_EQ(parsed.verify_queue, 10U);
  EXPECT_EQ(parse_settings(json{{"cache_seconds", 1.5}}).cache_ttl, 1500ms);
}

TEST(ProxyAuthSettings, RefusesBadValuesNamingTheKey) {
  EXPECT_EQ(rejected(json{{"realm", ""}}),
            "plugins.settings.proxy_auth.realm: expected a realm name of 1 to 128 bytes without "
            "control characters, got \"\" (it is empty)");
  EXPECT_EQ(rejected(json{{"realm", "a\r\nX-Injected: 1"}})
                .rfind("plugins.settings.proxy_auth.realm: expected a realm name", 0),
            0U);
  EXPECT_NE(rejected(json{{"realm", std::string(129, 'r')}}).find("longer than 128 bytes"),
            std::string::npos);
  EXPECT_EQ(rejected(json{{"realm", std::string(128, 'r')}}), "<none>");
  EXPECT_EQ(rejected(json{{"users_file", ""}}),
            "plugins.settings.proxy_auth.users_file: expected the path of an htpasswd file, got "
            "\"\" (it is empty)");
  EXPECT_EQ(rejected(json{{"cache_seconds", -1}}),
            "plugins.settings.proxy_auth.cache_seconds: expected a number of seconds from 0 to "
            "86400, got -1");
  EXPECT_EQ(rejected(json{{"bypass_networks", {"10.0.0.0/33"}}})
                .rfind("plugins.settings.proxy_auth.bypass_networks[0]: expected an IP address", 0),
            0U);
  EXPECT_EQ(rejected(json{{"max_failures", -1}}),
            "plugins.settings.proxy_auth.max_failures: expected an integer from 0 to 1000000, "
            "got -1");
  EXPECT_EQ(rejected(json{{"verify_threads", 0}}),
            "plugins.settings.proxy_auth.verify_threads: expected an integer from 1 to 64, got 0");
  EXPECT_EQ(rejected(json{{"verify_queue", 65537}}),
            "plugins.settings.proxy_auth.verify_queue: expected an integer from 1 to 65536, got "
            "65537");
  EXPECT_EQ(rejected(json{{"user_file", "x"}})
                .rfind("plugins.settings.proxy_auth.user_file: unknown setting", 0),
            0U);
}

TEST(ProxyAuthSettings, ARelativeUsersFileIsTakenFromTheConfigFolder) {
  EXPECT_EQ(resolve_users_file("users.htpasswd", "/etc/proxy-server"),
            "/etc/proxy-server/users.htpasswd");
  EXPECT_EQ(resolve_users_file("auth/users", "/etc/proxy-server/"), "/etc/proxy-server/auth/users");
  EXPECT_EQ(resolve_users_file("/srv/users", "/etc/proxy-server"), "/srv/users");
  EXPECT_EQ(resolve_users_file("users.htpasswd", ""), "users.htpasswd");
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
