#include <gtest/gtest.h>

#include "config/config.hpp"
#include "temp_dir.hpp"

namespace proxy::config {
namespace {

class PrintConfig : public test_support::TempDirTest {
 protected:
  // Prints, loads the output again and checks nothing changed.
  void expect_round_trip(const Config& config) {
    const std::string text = print_config(config);
    const auto printed = write("printed.yaml", text);
    Config reloaded;
    ASSERT_NO_THROW(reloaded = load_config({printed})) << text;
    reloaded.files = config.files;
    EXPECT_EQ(reloaded, config) << text;
  }
};

TEST_F(PrintConfig, DefaultsRoundTrip) {
  const std::string text = print_config(Config{});
  EXPECT_NE(text.find("port: 8888"), std::string::npos) << text;
  EXPECT_NE(text.find("shutdown_grace: 30"), std::string::npos) << text;
  EXPECT_NE(text.find("level: info"), std::string::npos) << text;
  expect_round_trip(Config{});
}

TEST_F(PrintConfig, ProxyProtocolRoundTrips) {
  const std::string defaults = print_config(Config{});
  EXPECT_NE(defaults.find("  proxy_protocol:\n    mode: \"off\"\n    trusted: [127.0.0.0/8]\n"
                          "    timeout: 3\n"),
            std::string::npos)
      << defaults;
  const auto file = write("pp.yaml", R"(
server:
  proxy_protocol: {mode: required, trusted: [10.1.2.3/8, "fd00::/8"], timeout: 0.5}
)");
  const Config config = load_config({file});
  const std::string text = print_config(config);
  EXPECT_NE(text.find("mode: required"), std::string::npos) << text;
  EXPECT_NE(text.find("trusted: [10.0.0.0/8, \"fd00::/8\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("timeout: 0.5"), std::string::npos) << text;
  expect_round_trip(config);
}

TEST_F(PrintConfig, EverythingRoundTrips) {
  const auto file = write("full.yaml", R"(
server:
  listen: "::1"
  port: 0
  workers: 4
  shutdown_grace: 2.25
  shutdown_delay: 1.5
timeouts:
  header_read: 0.5
  hook: 0.001
upstream:
  deny_networks: [10.1.2.3/8, "fe80::/10", "::ffff:0:0/96"]
  dns:
    servers: [192.0.2.1, "192.0.2.2:5353", "2001:db8::1", "[2001:DB8::2]:5353"]
    timeout: 1.5
    cache_entries: 0
    min_ttl: 0
    max_ttl: 60
  happy_eyeballs_delay_ms: 0
  upgrade_allowed: [websocket, h2c]
admin:
  allow: []
logging:
  level: off
plugins:
  dirs: [/opt/proxy/plugins, plugins]
  enabled: [http_parser, "123", null-ish]
  settings:
    demo:
      count: 42
      big: 18446744073709551615
      ratio: 0.1
      whole_float: 2.0
      flag: true
      quoted_number: "123"
      quoted_bool: "false"
      quoted_null: "null"
      word: yes
      dash: "-"
      colon: "a: b"
      hash: "# not a comment"
      newline: "two\nlines"
      nothing: ~
      empty_list: []
      empty_map: {}
      list: [1, two, 3.5, {x: [y]}]
    bare:
)");
  const Config config = load_config({file});
  const std::string text = print_config(config);
  EXPECT_NE(text.find("shutdown_grace: 2.25"), std::string::npos) << text;
  EXPECT_NE(text.find("shutdown_delay: 1.5"), std::string::npos) << text;
  EXPECT_NE(text.find("header_read: 0.5"), std::string::npos) << text;
  EXPECT_NE(text.find("hook: 0.001"), std::string::npos) << text;
  EXPECT_NE(text.find("10.0.0.0/8"), std::string::npos) << text;
  EXPECT_NE(text.find("\"[2001:db8::2]:5353\""), std::string::npos) << text;
  EXPECT_NE(text.find("timeout: 1.5"), std::string::npos) << text;
  EXPECT_NE(text.find(file.string()), std::string::npos) << "names the merged files\n" << text;
  expect_round_trip(config);
}

}  // namespace
}  // namespace proxy::config
