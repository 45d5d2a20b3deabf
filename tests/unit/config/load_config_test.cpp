#include <gtest/gtest.h>

#include "config/config.hpp"
#include "temp_dir.hpp"

namespace proxy::config {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class LoadConfig : public test_support::TempDirTest {};

TEST_F(LoadConfig, EmptyFileGivesDefaults) {
  const auto file = write("empty.yaml", "");
  const Config config = load_config({file});
  Config expected;
  expected.files = {file};
  EXPECT_EQ(config, expected);
  EXPECT_EQ(config.server.listen, "127.0.0.1");
  EXPECT_EQ(config.server.port, 8888);
  EXPECT_EQ(config.server.shutdown_grace, 30s);
  EXPECT_EQ(config.server.shutdown_delay, 0s);
  EXPECT_EQ(config.timeouts.idle, 60s);
  EXPECT_EQ(config.logging.level, "info");
  EXPECT_TRUE(config.admin.allow.at(0).contains("127.0.0.1"));
  for (const char* denied : {"169.254.169.254", "0.0.0.0", "100.100.100.200", "fd00:ec2::254",
                             "fe80::1", "::ffff:169.254.169.254"}) {
    EXPECT_TRUE(proxy::config::any_contains(config.upstream.deny_networks,
                                            proxy::config::parse_ip_address(denied)))
        << denied;
  }
  EXPECT_EQ(config.upstream.local_destinations, proxy::config::LocalDestinations::loopback_clients);
  EXPECT_EQ(config.server.ipv6_client_prefix, 64U);
  EXPECT_TRUE(config.upstream.dns.servers.empty());  // /etc/resolv.conf
  EXPECT_EQ(config.upstream.dns.timeout, 5s);
  EXPECT_EQ(config.upstream.dns.cache_entries, 10000U);
  EXPECT_EQ(config.upstream.dns.min_ttl, 5s);
  EXPECT_EQ(config.upstream.dns.max_ttl, 300s);
  EXPECT_EQ(config.upstream.happy_eyeballs_delay, 250ms);
  EXPECT_EQ(config.upstream.upgrade_allowed, std::vector<std::string>{"websocket"});
  EXPECT_EQ(config.server.proxy_protocol.mode, ProxyProtocolMode::off);
  ASSERT_EQ(config.server.proxy_protocol.trusted.size(), 1U);
  EXPECT_EQ(config.server.proxy_protocol.trusted[0].text, "127.0.0.0/8");
  EXPECT_EQ(config.server.proxy_protocol.timeout, 3s);
}

TEST_F(LoadConfig, ReadsProxyProtocol) {
  const auto file = write("pp.yaml", R"(
server:
  proxy_protocol:
    mode: required
    trusted: [10.0.0.0/8, "2001:db8::/32"]
    timeout: 0.25
)");
  const ProxyProtocolConfig& proxy_protocol = load_config({file}).server.proxy_protocol;
  EXPECT_EQ(proxy_protocol.mode, ProxyProtocolMode::required);
  ASSERT_EQ(proxy_protocol.trusted.size(), 2U);
  EXPECT_TRUE(proxy_protocol.trusted[0].contains("10.1.2.3"));
  EXPECT_TRUE(proxy_protocol.trusted[1].contains("2001:db8::1"));
  EXPECT_EQ(proxy_protocol.timeout, 250ms);
  // `off` written plainly is the word, as the shipped file writes it.
  const auto off = write("off.yaml", "server:\n  proxy_protocol:\n    mode: off\n");
  EXPECT_EQ(load_config({off}).server.proxy_protocol.mode, ProxyProtocolMode::off);
}

TEST_F(LoadConfig, CommentsOnlyAndEmptySectionsGiveDefaults) {
  const auto file = write("c.yaml", "# nothing here\nserver:\nplugins:\n  settings:\n");
  Config expected;
  expected.files = {file};
  EXPECT_EQ(load_config({file}), expected);
}

TEST_F(LoadConfig, NoFilesGiveDefaults) {
  EXPECT_EQ(load_config({}), Config{});
}

TEST_F(LoadConfig, ReadsEveryKey) {
  const auto file = write("full.yaml", R"(
server:
  listen: "::1"
  port: 0
  workers: 4
  max_connections: 50
  max_connections_per_ip: 5
  shutdown_grace: 0
  shutdown_delay: 2.5
limits:
  max_header_bytes: 2048
  max_headers: 10
  buffer_bytes: 4096
timeouts:
  header_read: 0.5
  connect: 2
  idle: 86400
  hook: 0.001
upstream:
  deny_networks: [10.1.2.3/8, "fe80::/10"]
admin:
  allow: []
logging:
  level: off
plugins:
  dirs: [/opt/proxy/plugins, plugins]
  enabled: [http_parser, my-plugin_2]
  settings:
    metrics: {path: /_metrics}
)");
  const Config config = load_config({file});
  EXPECT_EQ(config.server.listen, "::1");
  EXPECT_EQ(config.server.port, 0);
  EXPECT_EQ(config.server.workers, 4u);
  EXPECT_EQ(config.server.max_connections, 50u);
  EXPECT_EQ(config.server.max_connections_per_ip, 5u);
  EXPECT_EQ(config.server.shutdown_grace, 0ms);
  EXPECT_EQ(config.server.shutdown_delay, 2500ms);
  EXPECT_EQ(config.limits.max_header_bytes, 2048u);
  EXPECT_EQ(config.limits.max_headers, 10u);
  EXPECT_EQ(config.limits.buffer_bytes, 4096u);
  EXPECT_EQ(config.timeouts.header_read, 500ms);
  EXPECT_EQ(config.timeouts.connect, 2s);
  EXPECT_EQ(config.timeouts.idle, 86400s);
  EXPECT_EQ(config.timeouts.hook, 1ms);
  ASSERT_EQ(config.upstream.deny_networks.size(), 2u);
  EXPECT_EQ(config.upstream.deny_networks[0].text, "10.0.0.0/8");
  EXPECT_EQ(config.upstream.deny_networks[1].text, "fe80::/10");
  EXPECT_TRUE(config.admin.allow.empty());
  EXPECT_EQ(config.logging.level, "off");
  EXPECT_EQ(config.plugins.dirs,
            (std::vector<std::filesystem::path>{"/opt/proxy/plugins", dir_ / "plugins"}));
  EXPECT_EQ(config.plugins.enabled, (std::vector<std::string>{"http_parser", "my-plugin_2"}));
  EXPECT_EQ(config.plugins.settings.at("metrics"), json({{"path", "/_metrics"}}));
}

TEST_F(LoadConfig, DeepMergeAcrossFiles) {
  const auto base = write("base.yaml", R"(
server:
  listen: 127.0.0.1
  port: 8888
  workers: 2
upstream:
  deny_networks: [169.254.0.0/16, "fe80::/10"]
plugins:
  enabled: [http_parser, access_policy, metrics]
  settings:
    access_policy:
      blocked_domains: [evil.com]
      connect_ports: [443]
      nested: {a: 1, b: 2}
    metrics:
      path: /_metrics
)");
  const auto local = write("local.yaml", R"(
server:
  port: 9999
upstream:
  deny_networks: [10.0.0.0/8]
plugins:
  enabled: [http_parser]
  settings:
    access_policy:
      connect_ports: [443, 8443]
      nested: {b: 3}
)");
  const Config config = load_config({base, local});
  EXPECT_EQ(config.server.listen, "127.0.0.1");  // nested map merged: sibling kept
  EXPECT_EQ(config.server.workers, 2u);
  EXPECT_EQ(config.server.port, 9999);                  // scalar replaced
  ASSERT_EQ(config.upstream.deny_networks.size(), 1u);  // list replaced whole, not appended
  EXPECT_EQ(config.upstream.deny_networks[0].text, "10.0.0.0/8");
  EXPECT_EQ(config.plugins.enabled, std::vector<std::string>{"http_parser"});
  EXPECT_EQ(config.plugins.settings.at("access_policy"),
            json::parse(R"({"blocked_domains": ["evil.com"], "connect_ports": [443, 8443],
                            "nested": {"a": 1, "b": 3}})"));
  EXPECT_EQ(config.plugins.settings.at("metrics"), json({{"path", "/_metrics"}}));
  EXPECT_EQ(config.files, (std::vector<std::filesystem::path>{base, local}));
}

TEST_F(LoadConfig, EmptyListInLaterFileClearsEarlierList) {
  const auto base = write("base.yaml", "plugins:\n  enabled: [a, b]\n");
  const auto local = write("local.yaml", "plugins:\n  enabled: []\n");
  EXPECT_TRUE(load_config({base, local}).plugins.enabled.empty());
}

TEST_F(LoadConfig, EmptySectionInLaterFileKeepsEarlierValues) {
  const auto base = write("base.yaml", "server:\n  port: 1234\n");
  const auto local = write("local.yaml", "server:\n");
  EXPECT_EQ(load_config({base, local}).server.port, 1234);
}

TEST_F(LoadConfig, SameFileTwiceIsFine) {
  const auto file = write("a.yaml", "server:\n  port: 1234\nplugins:\n  enabled: [a]\n");
  const Config config = load_config({file, file});
  EXPECT_EQ(config.server.port, 1234);
  EXPECT_EQ(config.plugins.enabled, std::vector<std::string>{"a"});
}

TEST_F(LoadConfig, OverrideBesideSingleConfigTakesEffect) {
  const auto main_file = write("etc/main.yaml", "server:\n  port: 1000\n  workers: 3\n");
  write("etc/override.yaml", "server:\n  port: 2000\n");
  const Config config = load_config(config_files_to_load({main_file}, dir_ / "default.yaml"));
  EXPECT_EQ(config.server.port, 2000);
  EXPECT_EQ(config.server.workers, 3u);
}

TEST_F(LoadConfig, PluginDirsResolvedAgainstTheFileThatSetThem) {
  const auto base = write("etc/base.yaml", "plugins:\n  dirs: [plugins, ../lib/x, /abs/dir]\n");
  const auto local = write("local/local.yaml", "server:\n  port: 1\n");
  EXPECT_EQ(load_config({base, local}).plugins.dirs,
            (std::vector<std::filesystem::path>{dir_ / "etc/plugins", dir_ / "lib/x", "/abs/dir"}));

  const auto later = write("local/later.yaml", "plugins:\n  dirs: [mine]\n");
  EXPECT_EQ(load_config({base, later}).plugins.dirs,
            std::vector<std::filesystem::path>{dir_ / "local/mine"});
}

TEST_F(LoadConfig, PluginDirsAreAbsoluteEvenForARelativeConfigPath) {
  write("etc/base.yaml", "plugins:\n  dirs: [plugins]\n");
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  const Config config = load_config({"etc/base.yaml"});
  std::filesystem::current_path(previous);
  ASSERT_EQ(config.plugins.dirs.size(), 1u);
  EXPECT_TRUE(config.plugins.dirs[0].is_absolute());
  EXPECT_TRUE(std::filesystem::equivalent(config.plugins.dirs[0].parent_path(), dir_ / "etc"));
}

TEST_F(LoadConfig, PluginSettingsKeepYamlTypes) {
  const auto file = write("s.yaml", R"(
plugins:
  settings:
    demo:
      count: 42
      negative: -7
      big: 18446744073709551615
      ratio: 0.25
      whole_float: 1.0
      on: true
      off: false
      quoted_number: "123"
      quoted_bool: 'true'
      word: yes
      dash: "-"
      nothing: ~
      empty:
      list: [1, two, 3.5]
      nested: {deeper: {x: 1}}
    bare:
)");
  const Config config = load_config({file});
  const json& demo = config.plugins.settings.at("demo");
  EXPECT_TRUE(demo.at("count").is_number_integer());
  EXPECT_EQ(demo.at("count"), 42);
  EXPECT_EQ(demo.at("negative"), -7);
  EXPECT_EQ(demo.at("big").get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_TRUE(demo.at("ratio").is_number_float());
  EXPECT_DOUBLE_EQ(demo.at("ratio").get<double>(), 0.25);
  EXPECT_TRUE(demo.at("whole_float").is_number_float());
  EXPECT_EQ(demo.at("on"), true);
  EXPECT_EQ(demo.at("off"), false);
  EXPECT_EQ(demo.at("quoted_number"), "123");
  EXPECT_EQ(demo.at("quoted_bool"), "true");
  EXPECT_EQ(demo.at("word"), "yes");
  EXPECT_EQ(demo.at("dash"), "-");
  EXPECT_TRUE(demo.at("nothing").is_null());
  EXPECT_TRUE(demo.at("empty").is_null());
  EXPECT_EQ(demo.at("list"), json::parse(R"([1, "two", 3.5])"));
  EXPECT_EQ(demo.at("nested"), json::parse(R"({"deeper": {"x": 1}})"));
  EXPECT_EQ(config.plugins.settings.at("bare"), json::object());
}

// The shipped default must always load; it is what an operator starts from.
TEST(ShippedConfig, DefaultYamlLoads) {
  const std::filesystem::path file =
      std::filesystem::path(PROXY_SOURCE_DIR) / "config/default.yaml";
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  Config config;
  ASSERT_NO_THROW(config = load_config({file}));
  EXPECT_EQ(config.server.listen, "127.0.0.1");
  EXPECT_FALSE(config.plugins.enabled.empty());
  EXPECT_FALSE(config.plugins.dirs.empty());
}

}  // namespace
}  // namespace proxy::config
