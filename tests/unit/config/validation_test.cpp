#include <gtest/gtest.h>

#include "config/config.hpp"
#include "temp_dir.hpp"

namespace proxy::config {
namespace {

class Validation : public test_support::TempDirTest {
 protected:
  // Loads the files and returns the error; fails the test when none is thrown.
  ConfigError error_of(const std::vector<std::filesystem::path>& files) {
    try {
      load_config(files);
    } catch (const ConfigError& error) {
      return error;
    }
    ADD_FAILURE() << "no ConfigError thrown";
    return ConfigError("", "", 0, "");
  }

  // Asserts that loading `yaml` fails naming the file, key path, line and expectation.
  void expect_error(const std::string& yaml, const std::string& key_path, int line,
                    const std::string& expected) {
    const auto file = write("bad.yaml", yaml);
    const ConfigError error = error_of({file});
    const std::string what = error.what();
    EXPECT_EQ(error.file(), file.string()) << what;
    EXPECT_EQ(error.key_path(), key_path) << what;
    EXPECT_EQ(error.line(), line) << what;
    EXPECT_NE(what.find(file.string() + (line > 0 ? ":" + std::to_string(line) : "") + ": "),
              std::string::npos)
        << what;
    if (!key_path.empty()) {
      EXPECT_NE(what.find(key_path + ": "), std::string::npos) << what;
    }
    EXPECT_NE(what.find(expected), std::string::npos) << what << "\n  lacks: " << expected;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
};

TEST_F(Validation, MissingFile) {
  const auto missing = dir_ / "missing.yaml";
  const ConfigError error = error_of({missing});
  EXPECT_EQ(error.file(), missing.string());
  EXPECT_EQ(error.key_path(), "");
  EXPECT_EQ(error.line(), 0);
  EXPECT_EQ(std::string(error.what()),
            missing.string() + ": cannot read config file: No such file or directory");
}

TEST_F(Validation, DirectoryInsteadOfFile) {
  const ConfigError error = error_of({dir_});
  EXPECT_EQ(error.file(), dir_.string());
  EXPECT_NE(std::string(error.what()).find("cannot read config file"), std::string::npos);
}

TEST_F(Validation, YamlSyntaxErrorHasFileAndLine) {
  expect_error("server:\n  port: 1\nplugins:\n  enabled: [a, b\n", "", 5, "invalid YAML");
  expect_error("server:\n  port: 1\n bad indent: 2\n", "", 3, "invalid YAML");
}

TEST_F(Validation, TopLevelMustBeAMap) {
  expect_error("- server\n- port\n", "", 1, "expected a map");
  expect_error("just text\n", "", 1, "expected a map");
}

TEST_F(Validation, UnknownKeys) {
  expect_error("serverr:\n  port: 1\n", "serverr", 1,
               "unknown key 'serverr' (allowed: server, limits, timeouts, upstream, admin, "
               "logging, plugins)");
  expect_error("server:\n  listen: 127.0.0.1\n  prot: 8080\n", "server.prot", 3,
               "unknown key 'prot' (allowed: listen, port, workers, max_connections, "
               "max_connections_per_ip, shutdown_grace, shutdown_delay, ipv6_client_prefix, "
               "proxy_protocol)");
  expect_error("server:\n  proxy_protocol:\n    version: 2\n", "server.proxy_protocol.version", 3,
               "unknown key 'version' (allowed: mode, trusted, timeout)");
  expect_error("limits:\n  max_body: 1\n", "limits.max_body", 2, "unknown key 'max_body'");
  expect_error("timeouts:\n  read: 1\n", "timeouts.read", 2, "allowed: header_read, connect");
  expect_error("upstream:\n  deny: []\n", "upstream.deny", 2,
               "allowed: deny_networks, local_destinations, dns, happy_eyeballs_delay_ms, "
               "upgrade_allowed");
  expect_error("admin:\n  allowed: []\n", "admin.allowed", 2, "allowed: allow");
  expect_error("logging:\n  lvl: info\n", "logging.lvl", 2, "allowed: level");
  expect_error("plugins:\n  enable: [a]\n", "plugins.enable", 2,
               "allowed: dirs, enabled, settings");
}

TEST_F(Validation, DuplicateKey) {
  expect_error("server:\n  port: 1\n  port: 2\n", "server.port", 3, "duplicate key 'port'");
}

TEST_F(Validation, WrongTypes) {
  expect_error("server: 5\n", "server", 1, "expected a map, got \"5\"");
  expect_error("server: [1]\n", "server", 1, "expected a map, got a list");
  expect_error("server:\n  port:\n    a: 1\n", "server.port", 3,
               "expected an integer in 0..65535, got a map");
  expect_error("server:\n  port: [1]\n", "server.port", 2,
               "expected an integer in 0..65535, got a list");
  expect_error("server:\n  port: abc\n", "server.port", 2,
               "expected an integer in 0..65535, got \"abc\"");
  expect_error("server:\n  port: \"8888\"\n", "server.port", 2,
               "expected an integer in 0..65535, got the quoted string \"8888\"");
  expect_error("server:\n  port:\n", "server.port", 2,
               "expected an integer in 0..65535, got nothing");
  expect_error("logging:\n  level: [info]\n", "logging.level", 2, "expected one of trace, debug");
  expect_error("server:\n  listen: true\n", "server.listen", 2, "expected an IPv4 or IPv6 address");
  expect_error("timeouts:\n  idle: {a: 1}\n", "timeouts.idle", 2, "expected a number of seconds");
  expect_error("upstream:\n  deny_networks: 10.0.0.0/8\n", "upstream.deny_networks", 2,
               "expected a list of networks");
  expect_error("plugins:\n  enabled: metrics\n", "plugins.enabled", 2,
               "expected a list of plugin names, got \"metrics\"");
  expect_error("plugins:\n  dirs: plugins\n", "plugins.dirs", 2, "expected a list of directories");
  expect_error("plugins:\n  settings: [a]\n", "plugins.settings", 2,
               "expected a map of plugin name to that plugin's settings");
  expect_error("plugins:\n  settings:\n    metrics: [a]\n", "plugins.settings.metrics", 3,
               "expected a map of settings for plugin 'metrics'");
  expect_error("plugins:\n  settings:\n    metrics: on\n", "plugins.settings.metrics", 3,
               "expected a map of settings");
}

TEST_F(Validation, IntegerRanges) {
  expect_error("server:\n  port: 65536\n", "server.port", 2,
               "expected an integer in 0..65535, got \"65536\"");
  expect_error("server:\n  port: -1\n", "server.port", 2, "expected an integer in 0..65535");
  expect_error("server:\n  port: 1.5\n", "server.port", 2, "expected an integer in 0..65535");
  expect_error("server:\n  port: 0x50\n", "server.port", 2, "expected an integer in 0..65535");
  expect_error("server:\n  port: 99999999999999999999999\n", "server.port", 2,
               "expected an integer in 0..65535");
  expect_error("server:\n  workers: 1025\n", "server.workers", 2, "expected an integer in 0..1024");
  expect_error("server:\n  max_connections: 0\n", "server.max_connections", 2,
               "expected an integer >= 1");
  expect_error("server:\n  max_connections: 99999999999999999999999\n", "server.max_connections", 2,
               "expected an integer >= 1");
  expect_error("server:\n  max_connections_per_ip: 0\n", "server.max_connections_per_ip", 2,
               "expected an integer >= 1");
  expect_error("limits:\n  max_header_bytes: 1023\n", "limits.max_header_bytes", 2,
               "expected an integer in 1024..1048576");
  expect_error("limits:\n  max_header_bytes: 1048577\n", "limits.max_header_bytes", 2,
               "expected an integer in 1024..1048576");
  expect_error("limits:\n  max_headers: 0\n", "limits.max_headers", 2,
               "expected an integer in 1..10000");
  expect_error("limits:\n  max_headers: 10001\n", "limits.max_headers", 2, "in 1..10000");
  expect_error("limits:\n  buffer_bytes: 1000\n", "limits.buffer_bytes", 2, "in 1024..16777216");
  expect_error("limits:\n  buffer_bytes: 16777217\n", "limits.buffer_bytes", 2,
               "in 1024..16777216");
}

TEST_F(Validation, IntegerBoundsAccepted) {
  const auto file = write("ok.yaml", R"(
server: {port: 65535, workers: 1024, max_connections: 1, max_connections_per_ip: 1}
limits: {max_header_bytes: 1048576, max_headers: 10000, buffer_bytes: 16777216}
)");
  EXPECT_NO_THROW(load_config({file}));
}

TEST_F(Validation, DurationRanges) {
  expect_error("server:\n  shutdown_grace: 3601\n", "server.shutdown_grace", 2,
               "expected a number of seconds in 0..3600, got \"3601\"");
  expect_error("server:\n  shutdown_grace: -1\n", "server.shutdown_grace", 2, "in 0..3600");
  expect_error("server:\n  shutdown_delay: 3601\n", "server.shutdown_delay", 2, "in 0..3600");
  for (const char* key : {"header_read", "connect", "idle", "hook"}) {
    const std::string path = std::string("timeouts.") + key;
    const std::string expected = "expected a number of seconds greater than 0 and at most 86400";
    expect_error(std::string("timeouts:\n  ") + key + ": 0\n", path, 2, expected);
    expect_error(std::string("timeouts:\n  ") + key + ": 86401\n", path, 2, expected);
    expect_error(std::string("timeouts:\n  ") + key + ": -0.5\n", path, 2, expected);
    expect_error(std::string("timeouts:\n  ") + key + ": ten\n", path, 2, expected);
    expect_error(std::string("timeouts:\n  ") + key + ": .inf\n", path, 2, expected);
    expect_error(std::string("timeouts:\n  ") + key + ": 0.0001\n", path, 2, "smallest step");
  }
}

TEST_F(Validation, ListenMustBeAnAddressLiteral) {
  const std::string expected = "expected an IPv4 or IPv6 address literal";
  expect_error("server:\n  listen: localhost\n", "server.listen", 2,
               expected + " (e.g. 127.0.0.1 or ::1), got \"localhost\"");
  expect_error("server:\n  listen: 256.0.0.1\n", "server.listen", 2, expected);
  expect_error("server:\n  listen: \"\"\n", "server.listen", 2, expected);
}

TEST_F(Validation, NetworksMustBeCidrs) {
  const std::string expected = "expected a network in CIDR form";
  expect_error("upstream:\n  deny_networks: [10.0.0.0/8, 10.0.0.0/33]\n",
               "upstream.deny_networks[1]", 2,
               expected + " (IPv4 a.b.c.d/0-32 or IPv6 addr/0-128), got \"10.0.0.0/33\"");
  expect_error("admin:\n  allow:\n    - ::1/128\n    - \"::1/129\"\n", "admin.allow[1]", 4,
               expected);
  expect_error("admin:\n  allow: [bogus]\n", "admin.allow[0]", 2, expected);
  expect_error("admin:\n  allow: [[10.0.0.0/8]]\n", "admin.allow[0]", 2,
               expected + " (IPv4 a.b.c.d/0-32 or IPv6 addr/0-128), got a list");
}

TEST_F(Validation, DnsServersAreAddressesWithAnOptionalPort) {
  const std::string expected = "expected a name server address with an optional port";
  for (const char* bad : {"dns.example", "192.0.2.1:0", "192.0.2.1:65536",
                          "192.0.2.1:", "[2001:db8::1]:", "[2001:db8::1", "[192.0.2.1]",
                          "2001:db8::1:", "192.0.2.1:53:53", "", "[]:53", " 192.0.2.1"}) {
    expect_error(std::string("upstream:\n  dns:\n    servers: [\"") + bad + "\"]\n",
                 "upstream.dns.servers[0]", 3, expected);
  }
  expect_error("upstream:\n  dns:\n    servers: 192.0.2.1\n", "upstream.dns.servers", 3,
               "expected a list of name server addresses, got \"192.0.2.1\"");
  expect_error("upstream:\n  dns:\n    server: []\n", "upstream.dns.server", 3,
               "unknown key 'server' (allowed: servers, timeout, cache_entries, min_ttl, max_ttl)");
  expect_error("upstream:\n  dns: [a]\n", "upstream.dns", 2, "expected a map");

  const auto file = write("ok.yaml",
                          "upstream:\n  dns:\n    servers: [192.0.2.1, \"192.0.2.2:5353\", "
                          "\"2001:db8:0::1\", \"[2001:db8::2]:5353\", \"[::1]\"]\n");
  const DnsConfig dns = load_config({file}).upstream.dns;
  const std::vector<DnsServer> servers = {{"192.0.2.1", 53},
                                          {"192.0.2.2", 5353},
                                          {"2001:db8::1", 53},
                                          {"2001:db8::2", 5353},
                                          {"::1", 53}};
  EXPECT_EQ(dns.servers, servers);
}

TEST_F(Validation, DnsNumbers) {
  expect_error("upstream:\n  dns:\n    timeout: 0\n", "upstream.dns.timeout", 3,
               "expected a number of seconds greater than 0 and at most 300");
  expect_error("upstream:\n  dns:\n    timeout: 301\n", "upstream.dns.timeout", 3, "at most 300");
  expect_error("upstream:\n  dns:\n    cache_entries: -1\n", "upstream.dns.cache_entries", 3,
               "expected an integer in 0..10000000");
  expect_error("upstream:\n  dns:\n    min_ttl: 1.5\n", "upstream.dns.min_ttl", 3,
               "expected an integer in 0..604800");
  expect_error("upstream:\n  dns:\n    max_ttl: 604801\n", "upstream.dns.max_ttl", 3,
               "expected an integer in 0..604800");
  expect_error("upstream:\n  dns:\n    min_ttl: 60\n    max_ttl: 30\n", "upstream.dns.min_ttl", 3,
               "expected min_ttl (60) to be at most max_ttl (30)");
  expect_error("upstream:\n  dns:\n    max_ttl: 2\n", "upstream.dns.max_ttl", 3,
               "expected min_ttl (5) to be at most max_ttl (2)");

  const auto file = write("ok.yaml",
                          "upstream:\n  dns:\n    timeout: 0.25\n    cache_entries: 0\n"
                          "    min_ttl: 0\n    max_ttl: 0\n");
  const DnsConfig dns = load_config({file}).upstream.dns;
  EXPECT_EQ(dns.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(dns.cache_entries, 0U);
  EXPECT_EQ(dns.min_ttl, std::chrono::seconds(0));
  EXPECT_EQ(dns.max_ttl, std::chrono::seconds(0));
}

TEST_F(Validation, HappyEyeballsDelay) {
  expect_error("upstream:\n  happy_eyeballs_delay_ms: -1\n", "upstream.happy_eyeballs_delay_ms", 2,
               "expected an integer in 0..60000");
  expect_error("upstream:\n  happy_eyeballs_delay_ms: 60001\n", "upstream.happy_eyeballs_delay_ms",
               2, "expected an integer in 0..60000");
  expect_error("upstream:\n  happy_eyeballs_delay_ms: 0.5\n", "upstream.happy_eyeballs_delay_ms", 2,
               "expected an integer in 0..60000");
  const auto file = write("ok.yaml", "upstream:\n  happy_eyeballs_delay_ms: 0\n");
  EXPECT_EQ(load_config({file}).upstream.happy_eyeballs_delay, std::chrono::milliseconds(0));
}

TEST_F(Validation, UpgradeAllowed) {
  expect_error("upstream:\n  upgrade_allowed: [websocket, \"web socket\"]\n",
               "upstream.upgrade_allowed[1]", 2, "expected a protocol name (an HTTP token");
  expect_error("upstream:\n  upgrade_allowed: websocket\n", "upstream.upgrade_allowed", 2,
               "expected a list of protocol names");
  expect_error("upstream:\n  upgrade_allowed: [\"\"]\n", "upstream.upgrade_allowed[0]", 2,
               "expected a protocol name");
  const auto file = write("ok.yaml", "upstream:\n  upgrade_allowed: [WebSocket, h2c, websocket]\n");
  EXPECT_EQ(load_config({file}).upstream.upgrade_allowed,
            (std::vector<std::string>{"websocket", "h2c"}));
  const auto none = write("none.yaml", "upstream:\n  upgrade_allowed: []\n");
  EXPECT_TRUE(load_config({none}).upstream.upgrade_allowed.empty());
}

TEST_F(Validation, AnAliasThatRefersToItselfIsRefusedNotFollowed) {
  // The cycle is followed until the depth bound, then refused where it stopped.
  std::string path = "plugins.settings.a";
  for (int level = 0; level < 62; ++level) {
    path += ".<<";
  }
  expect_error("plugins:\n  settings:\n    a: &shared\n      <<: *shared\n      window: 2\n", path,
               3, "nested more than 64 levels deep (or an alias refers to itself)");
}

TEST_F(Validation, LoggingLevel) {
  expect_error("logging:\n  level: verbose\n", "logging.level", 2,
               "expected one of trace, debug, info, warn, error, critical, off, got \"verbose\"");
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    const auto file = write("ok.yaml", std::string("logging:\n  level: ") + level + "\n");
    EXPECT_EQ(load_config({file}).logging.level, level);
  }
}

TEST_F(Validation, PluginNames) {
  const std::string expected = "expected a plugin name made of letters, digits, '_' and '-'";
  expect_error("plugins:\n  enabled: [a, \"\"]\n", "plugins.enabled[1]", 2,
               expected + ", got the quoted string \"\"");
  expect_error("plugins:\n  enabled: [a, b, ../evil]\n", "plugins.enabled[2]", 2, expected);
  expect_error("plugins:\n  enabled: [a, {b: 1}]\n", "plugins.enabled[1]", 2, expected);
  expect_error("plugins:\n  enabled: [a, true]\n", "plugins.enabled[1]", 2, expected);
  expect_error("plugins:\n  enabled:\n    - a\n    - b\n    - a\n", "plugins.enabled[2]", 5,
               "plugin 'a' is listed twice (first at plugins.enabled[0]); expected unique names");
}

TEST_F(Validation, PluginDirs) {
  expect_error("plugins:\n  dirs: [a, \"\"]\n", "plugins.dirs[1]", 2,
               "expected a non-empty directory path");
  expect_error("plugins:\n  dirs: [[a]]\n", "plugins.dirs[0]", 2,
               "expected a non-empty directory path, got a list");
}

TEST_F(Validation, PluginSettingsValuesJsonCannotHold) {
  expect_error("plugins:\n  settings:\n    x:\n      n: 99999999999999999999999\n",
               "plugins.settings.x.n", 4, "out of range");
  expect_error("plugins:\n  settings:\n    x:\n      n: .inf\n", "plugins.settings.x.n", 4,
               "infinity and NaN");
}

TEST_F(Validation, PluginSettingsContentIsNotValidatedHere) {
  const auto file =
      write("ok.yaml", "plugins:\n  settings:\n    anything:\n      whatever: [1, {x: y}]\n");
  EXPECT_NO_THROW(load_config({file}));
}

TEST_F(Validation, ErrorNamesTheFileTheBadValueCameFrom) {
  const auto base = write("base.yaml", "server:\n  listen: 127.0.0.1\n  port: 8888\n");
  const auto local = write("override.yaml", "# local tweaks\nserver:\n  port: abc\n");
  const ConfigError error = error_of({base, local});
  EXPECT_EQ(error.file(), local.string());
  EXPECT_EQ(error.key_path(), "server.port");
  EXPECT_EQ(error.line(), 3);
  EXPECT_EQ(std::string(error.what()),
            local.string() + ":3: server.port: expected an integer in 0..65535, got \"abc\"");
}

TEST_F(Validation, ErrorInEarlierFileStillNamesItAfterMerge) {
  const auto base = write("base.yaml", "\n\nserver:\n  workers: 5000\n");
  const auto local = write("local.yaml", "server:\n  port: 1\n");
  const ConfigError error = error_of({base, local});
  EXPECT_EQ(error.file(), base.string());
  EXPECT_EQ(error.key_path(), "server.workers");
  EXPECT_EQ(error.line(), 4);
}

TEST_F(Validation, UnknownKeyInLaterFileNamesThatFile) {
  const auto base = write("base.yaml", "server:\n  port: 1\n");
  const auto local = write("local.yaml", "\nserver:\n  prot: 2\n");
  const ConfigError error = error_of({base, local});
  EXPECT_EQ(error.file(), local.string());
  EXPECT_EQ(error.key_path(), "server.prot");
  EXPECT_EQ(error.line(), 3);
}

TEST_F(Validation, ProxyProtocol) {
  const std::string where = "server.proxy_protocol";
  expect_error("server:\n  proxy_protocol: required\n", where, 2, "expected a map");
  for (const char* mode : {"on", "v2", "\"\"", "[required]"}) {
    expect_error(std::string("server:\n  proxy_protocol:\n    mode: ") + mode + "\n",
                 where + ".mode", 3, "expected one of off, required");
  }
  // A YAML boolean is not a mode (under YAML 1.2 `off` is the word, not false).
  expect_error("server:\n  proxy_protocol:\n    mode: false\n", where + ".mode", 3,
               "expected one of off, required, got \"false\"");
  expect_error("server:\n  proxy_protocol:\n    trusted: [10.0.0.0/8, 10.0.0.1/40]\n",
               where + ".trusted[1]", 3, "expected a network in CIDR form");
  expect_error("server:\n  proxy_protocol:\n    trusted: 10.0.0.0/8\n", where + ".trusted", 3,
               "expected a list of networks");
  for (const char* timeout : {"0", "3601", "-1", "soon"}) {
    expect_error(std::string("server:\n  proxy_protocol:\n    timeout: ") + timeout + "\n",
                 where + ".timeout", 3,
                 "expected a number of seconds greater than 0 and at most 3600");
  }
  const std::string empty = "expected at least one network with mode: required";
  expect_error("server:\n  proxy_protocol:\n    mode: required\n    trusted: []\n",
               where + ".trusted", 4, empty);
  expect_error("server:\n  proxy_protocol:\n    mode: required\n    trusted:\n", where + ".trusted",
               4, empty);
  // An empty list is fine while the mode is off.
  const auto off = write("off.yaml", "server:\n  proxy_protocol:\n    trusted: []\n");
  EXPECT_TRUE(load_config({off}).server.proxy_protocol.trusted.empty());
}

TEST_F(Validation, ProxyProtocolTrustedEmptiedInAnotherFileIsNamed) {
  const auto base = write("base.yaml", "server:\n  proxy_protocol:\n    mode: required\n");
  const auto local = write("local.yaml", "\nserver:\n  proxy_protocol:\n    trusted: []\n");
  const ConfigError error = error_of({base, local});
  EXPECT_EQ(error.file(), local.string());
  EXPECT_EQ(error.key_path(), "server.proxy_protocol.trusted");
  EXPECT_EQ(error.line(), 4);
}

TEST_F(Validation, UnsupportedTag) {
  expect_error("server:\n  port: !weird 5\n", "server.port", 2, "unsupported YAML tag");
}

// Plugin settings reach plugins as JSON, which holds only well-formed UTF-8.
TEST_F(Validation, TextMustBeUtf8) {
  const std::string settings = "plugins:\n  settings:\n    x:\n";
  for (const std::string bad :
       {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    expect_error(settings + "      path: \"/m" + bad + "\"\n", "plugins.settings.x.path", 4,
                 "value is not valid UTF-8");
    expect_error(settings + "      k" + bad + ": 1\n", "plugins.settings.x", 4,
                 "map key is not valid UTF-8");
  }
  const auto file =
      write("ok.yaml", settings + "      \xc3\xa9\xe6\x97\xa5: \"\xf0\x9f\x98\x80\"\n");
  EXPECT_EQ(load_config({file}).plugins.settings.at("x").dump(),
            "{\"\xc3\xa9\xe6\x97\xa5\":\"\xf0\x9f\x98\x80\"}");
}

}  // namespace
}  // namespace proxy::config
