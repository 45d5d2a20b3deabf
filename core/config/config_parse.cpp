#include "config/config_parse.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <set>
#include <string_view>

#include "config/dns_server.hpp"
#include "config/yaml_json.hpp"
#include "plugin_host/plugin_search.hpp"

namespace proxy::config {
namespace {

using Keys = std::initializer_list<std::string_view>;

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + '.' + std::string(key);
}

std::string index_path(const std::string& path, std::size_t index) {
  return path + '[' + std::to_string(index) + ']';
}

// What was found, for "expected X, got Y"; scalars are JSON-quoted so control characters
// cannot break the one-line message.
std::string describe(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::null:
      return "nothing (null)";
    case YamlNode::Kind::sequence:
      return "a list";
    case YamlNode::Kind::map:
      return "a map";
    case YamlNode::Kind::scalar:
      break;
  }
  const std::string quoted =
      nlohmann::json(node.scalar).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return node.plain ? quoted : "the quoted string " + quoted;
}

[[noreturn]] void fail(const YamlNode& node, const std::string& path, const std::string& expected) {
  throw ConfigError(node.file, path, node.line, "expected " + expected + ", got " + describe(node));
}

// Rejects keys outside the schema; a typo must not silently fall back to a default.
void check_keys(const YamlNode& map, const std::string& path, Keys allowed) {
  for (const YamlEntry& entry : map.entries) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) != allowed.end()) {
      continue;
    }
    std::string list;
    for (std::string_view key : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(key);
    }
    throw ConfigError(entry.file, child(path, entry.key), entry.line,
                      "unknown key '" + entry.key + "' (allowed: " + list + ")");
  }
}

// A map-valued section; nullptr when absent or empty so defaults stay.
const YamlNode* section(const YamlNode& map, const std::string& path, std::string_view key) {
  const YamlEntry* entry = find_entry(map, std::string(key));
  if (entry == nullptr || entry->value.kind == YamlNode::Kind::null) {
    return nullptr;
  }
  if (entry->value.kind != YamlNode::Kind::map) {
    fail(entry->value, child(path, key), "a map");
  }
  return &entry->value;
}

const YamlNode* value_of(const YamlNode* map, std::string_view key) {
  if (map == nullptr) {
    return nullptr;
  }
  const YamlEntry* entry = find_entry(*map, std::string(key));
  return entry == nullptr ? nullptr : &entry->value;
}

std::uint64_t read_integer(const YamlNode& node, const std::string& path, std::uint64_t min,
                           std::uint64_t max) {
  const std::string expected =
      max == std::numeric_limits<std::uint64_t>::max()
          ? "an integer >= " + std::to_string(min)
          : "an integer in " + std::to_string(min) + ".." + std::to_string(max);
  if (node.kind != YamlNode::Kind::scalar || !node.plain || node.scalar.empty() ||
      !std::all_of(node.scalar.begin(), node.scalar.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    fail(node, path, expected);
  }
  std::uint64_t value = 0;
  const char* end = node.scalar.data() + node.scalar.size();
  const auto result = std::from_chars(node.scalar.data(), end, value);
  if (result.ec != std::errc{} || value < min || value > max) {
    fail(node, path, expected);
  }
  return value;
}

// Durations are seconds, possibly fractional; kept as whole milliseconds.
std::chrono::milliseconds read_seconds(const YamlNode& node, const std::string& path,
                                       bool allow_zero, double max) {
  const std::string range =
      allow_zero ? "in 0.." + std::to_string(static_cast<int>(max))
                 : "greater than 0 and at most " + std::to_string(static_cast<int>(max));
  const std::string expected = "a number of seconds " + range;
  const std::string& text = node.scalar;
  if (node.kind != YamlNode::Kind::scalar || !node.plain || text.empty() ||
      !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.') ||
      text.find_first_not_of("0123456789.eE+-") != std::string::npos) {
    fail(node, path, expected);
  }
  double seconds = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, seconds);
  if (result.ec != std::errc{} || result.ptr != end || !std::isfinite(seconds) || seconds > max ||
      (!allow_zero && seconds <= 0)) {
    fail(node, path, expected);
  }
  const auto ms = std::chrono::milliseconds(std::llround(seconds * 1000));
  if (!allow_zero && ms.count() == 0) {
    fail(node, path, expected + " (the smallest step is 0.001)");
  }
  return ms;
}

std::string read_string(const YamlNode& node, const std::string& path,
                        const std::string& expected) {
  // A plain true/false is a boolean in YAML; no core key takes one, so it is a mistake.
  if (node.kind != YamlNode::Kind::scalar || (node.plain && is_yaml_bool(node.scalar))) {
    fail(node, path, expected);
  }
  return node.scalar;
}

// A list; null counts as an empty list ("deny_networks:" with everything commented out).
const std::vector<YamlNode>& read_list(const YamlNode& node, const std::string& path,
                                       const std::string& expected) {
  static const std::vector<YamlNode> empty;
  if (node.kind == YamlNode::Kind::null) {
    return empty;
  }
  if (node.kind != YamlNode::Kind::sequence) {
    fail(node, path, expected);
  }
  return node.items;
}

std::vector<Network> read_networks(const YamlNode& node, const std::string& path) {
  std::vector<Network> networks;
  const auto& items = read_list(node, path, "a list of networks in CIDR form (10.0.0.0/8)");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = index_path(path, i);
    const std::string expected = "a network in CIDR form (IPv4 a.b.c.d/0-32 or IPv6 addr/0-128)";
    auto network = parse_network(read_string(items[i], item_path, expected));
    if (!network) {
      fail(items[i], item_path, expected);
    }
    networks.push_back(std::move(*network));
  }
  return networks;
}

// Protocol names for upstream.upgrade_allowed: HTTP tokens (RFC 9110 §7.8), kept lowercase
// since they compare case-insensitively.
std::vector<std::string> read_protocols(const YamlNode& node, const std::string& path) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  std::vector<std::string> protocols;
  const std::string expected = "a protocol name (an HTTP token, such as websocket)";
  const auto& items = read_list(node, path, "a list of protocol names");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = index_path(path, i);
    std::string name = read_string(items[i], item_path, expected);
    const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
             specials.find(c) != std::string_view::npos;
    });
    if (!token) {
      fail(items[i], item_path, expected);
    }
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(protocols.begin(), protocols.end(), name) == protocols.end()) {
      protocols.push_back(std::move(name));
    }
  }
  return protocols;
}

void parse_proxy_protocol(const YamlNode* map, const std::string& path,
                          ProxyProtocolConfig& proxy_protocol) {
  if (map == nullptr) {
    return;
  }
  check_keys(*map, path, {"mode", "trusted", "timeout"});
  if (const YamlNode* node = value_of(map, "mode")) {
    const std::string where = child(path, "mode");
    const std::string expected = "one of off, required";
    const std::string text = read_string(*node, where, expected);
    if (text == "off") {
      proxy_protocol.mode = ProxyProtocolMode::off;
    } else if (text == "required") {
      proxy_protocol.mode = ProxyProtocolMode::required;
    } else {
      fail(*node, where, expected);
    }
  }
  const YamlNode* trusted = value_of(map, "trusted");
  if (trusted != nullptr) {
    proxy_protocol.trusted = read_networks(*trusted, child(path, "trusted"));
  }
  if (const YamlNode* node = value_of(map, "timeout")) {
    proxy_protocol.timeout = read_seconds(*node, child(path, "timeout"), false, 3600);
  }
  // The default list is not empty, so an empty one was written here.
  if (proxy_protocol.mode == ProxyProtocolMode::required && proxy_protocol.trusted.empty() &&
      trusted != nullptr) {
    throw ConfigError(trusted->file, child(path, "trusted"), trusted->line,
                      "expected at least one network with mode: required (the load balancers "
                      "allowed to send the PROXY header), got an empty list");
  }
}

void parse_server(const YamlNode* map, const std::string& path, ServerConfig& server) {
  if (map == nullptr) {
    return;
  }
  check_keys(*map, path,
             {"listen", "port", "workers", "max_connections", "max_connections_per_ip",
              "shutdown_grace", "shutdown_delay", "ipv6_client_prefix", "proxy_protocol"});
  if (const YamlNode* node = value_of(map, "listen")) {
    const std::string where = child(path, "listen");
    const std::string expected = "an IPv4 or IPv6 address literal (e.g. 127.0.0.1 or ::1)";
    server.listen = read_string(*node, where, expected);
    if (parse_ip_address(server.listen).empty()) {
      fail(*node, where, expected);
    }
  }
  if (const YamlNode* node = value_of(map, "port")) {
    // 0 asks the OS for a free port, which tests rely on.
    server.port = static_cast<std::uint16_t>(read_integer(*node, child(path, "port"), 0, 65535));
  }
  if (const YamlNode* node = value_of(map, "workers")) {
    server.workers = static_cast<unsigned>(read_integer(*node, child(path, "workers"), 0, 1024));
  }
  constexpr std::uint64_t kNoMax = std::numeric_limits<std::uint64_t>::max();
  if (const YamlNode* node = value_of(map, "max_connections")) {
    server.max_connections = read_integer(*node, child(path, "max_connections"), 1, kNoMax);
  }
  if (const YamlNode* node = value_of(map, "max_connections_per_ip")) {
    server.max_connections_per_ip =
        read_integer(*node, child(path, "max_connections_per_ip"), 1, kNoMax);
  }
  if (const YamlNode* node = value_of(map, "shutdown_grace")) {
    server.shutdown_grace = read_seconds(*node, child(path, "shutdown_grace"), true, 3600);
  }
  if (const YamlNode* node = value_of(map, "shutdown_delay")) {
    server.shutdown_delay = read_seconds(*node, child(path, "shutdown_delay"), true, 3600);
  }
  if (const YamlNode* node = value_of(map, "ipv6_client_prefix")) {
    server.ipv6_client_prefix =
        static_cast<unsigned>(read_integer(*node, child(path, "ipv6_client_prefix"), 1, 128));
  }
  parse_proxy_protocol(section(*map, path, "proxy_protocol"), child(path, "proxy_protocol"),
                       server.proxy_protocol);
}

void parse_dns(const YamlNode* map, const std::string& path, DnsConfig& dns) {
  if (map == nullptr) {
    return;
  }
  check_keys(*map, path, {"servers", "timeout", "cache_entries", "min_ttl", "max_ttl"});
  if (const YamlNode* node = value_of(map, "servers")) {
    const std::string where = child(path, "servers");
    const std::string expected =
        "a name server address with an optional port (192.0.2.1, 192.0.2.1:5353, 2001:db8::1 "
        "or [2001:db8::1]:5353)";
    const auto& items = read_list(*node, where, "a list of name server addresses");
    dns.servers.clear();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string item_path = index_path(where, i);
      auto server = parse_dns_server(read_string(items[i], item_path, expected));
      if (!server) {
        fail(items[i], item_path, expected);
      }
      dns.servers.push_back(std::move(*server));
    }
  }
  if (const YamlNode* node = value_of(map, "timeout")) {
    dns.timeout = read_seconds(*node, child(path, "timeout"), false, 300);
  }
  if (const YamlNode* node = value_of(map, "cache_entries")) {
    dns.cache_entries = read_integer(*node, child(path, "cache_entries"), 0, 10000000);
  }
  // DNS TTLs are whole seconds; a week is longer than any resolver keeps an answer.
  constexpr std::uint64_t kMaxTtl = 604800;
  if (const YamlNode* node = value_of(map, "min_ttl")) {
    dns.min_ttl = std::chrono::seconds(read_integer(*node, child(path, "min_ttl"), 0, kMaxTtl));
  }
  if (const YamlNode* node = value_of(map, "max_ttl")) {
    dns.max_ttl = std::chrono::seconds(read_integer(*node, child(path, "max_ttl"), 0, kMaxTtl));
  }
  if (dns.min_ttl > dns.max_ttl) {
    const YamlEntry* entry = find_entry(*map, "min_ttl");
    if (entry == nullptr) {
      entry = find_entry(*map, "max_ttl");
    }
    throw ConfigError(entry->value.file, child(path, entry->key), entry->value.line,
                      "expected min_ttl (" + std::to_string(dns.min_ttl.count()) +
                          ") to be at most max_ttl (" + std::to_string(dns.max_ttl.count()) + ")");
  }
}

void parse_upstream(const YamlNode* map, const std::string& path, UpstreamConfig& upstream) {
  if (map == nullptr) {
    return;
  }
  check_keys(
      *map, path,
      {"deny_networks", "local_destinations", "dns", "happy_eyeballs_delay_ms", "upgrade_allowed"});
  if (const YamlNode* node = value_of(map, "upgrade_allowed")) {
    upstream.upgrade_allowed = read_protocols(*node, child(path, "upgrade_allowed"));
  }
  parse_dns(section(*map, path, "dns"), child(path, "dns"), upstream.dns);
  // RFC 8305 recommends 250 ms and at least 100; 0 dials every address at once.
  if (const YamlNode* node = value_of(map, "happy_eyeballs_delay_ms")) {
    upstream.happy_eyeballs_delay = std::chrono::milliseconds(
        read_integer(*node, child(path, "happy_eyeballs_delay_ms"), 0, 60000));
  }
  if (const YamlNode* node = value_of(map, "deny_networks")) {
    upstream.deny_networks = read_networks(*node, child(path, "deny_networks"));
  }
  if (const YamlNode* node = value_of(map, "local_destinations")) {
    const std::string where = child(path, "local_destinations");
    const std::string expected = "one of loopback_clients, any, none";
    const std::string text = read_string(*node, where, expected);
    if (text == "loopback_clients") {
      upstream.local_destinations = LocalDestinations::loopback_clients;
    } else if (text == "any") {
      upstream.local_destinations = LocalDestinations::any;
    } else if (text == "none") {
      upstream.local_destinations = LocalDestinations::none;
    } else {
      fail(*node, where, expected);
    }
  }
}

void parse_limits(const YamlNode* map, const std::string& path, LimitsConfig& limits) {
  if (map == nullptr) {
    return;
  }
  check_keys(*map, path, {"max_header_bytes", "max_headers", "buffer_bytes"});
  if (const YamlNode* node = value_of(map, "max_header_bytes")) {
    limits.max_header_bytes = read_integer(*node, child(path, "max_header_bytes"), 1024, 1048576);
  }
  if (const YamlNode* node = value_of(map, "max_headers")) {
    limits.max_headers = read_integer(*node, child(path, "max_headers"), 1, 10000);
  }
  if (const YamlNode* node = value_of(map, "buffer_bytes")) {
    limits.buffer_bytes = read_integer(*node, child(path, "buffer_bytes"), 1024, 16777216);
  }
}

void parse_timeouts(const YamlNode* map, const std::string& path, TimeoutsConfig& timeouts) {
  if (map == nullptr) {
    return;
  }
  check_keys(*map, path, {"header_read", "connect", "idle", "hook"});
  constexpr double kMaxTimeout = 86400;
  const std::pair<std::string_view, std::chrono::milliseconds*> fields[] = {
      {"header_read", &timeouts.header_read},
      {"connect", &timeouts.connect},
      {"idle", &timeouts.idle},
      {"hook", &timeouts.hook}};
  for (const auto& [key, target] : fields) {
    if (const YamlNode* node = value_of(map, key)) {
      *target = read_seconds(*node, child(path, key), false, kMaxTimeout);
    }
  }
}

void parse_logging(const YamlNode* map, const std::string& path, LoggingConfig& logging) {
  if (map == nullptr) {
    return;
  }
  check_keys(*map, path, {"level"});
  if (const YamlNode* node = value_of(map, "level")) {
    const std::string where = child(path, "level");
    const std::string expected = "one of trace, debug, info, warn, error, critical, off";
    logging.level = read_string(*node, where, expected);
    static const std::set<std::string> levels = {"trace", "debug",    "info", "warn",
                                                 "error", "critical", "off"};
    if (levels.count(logging.level) == 0) {
      fail(*node, where, expected);
    }
  }
}

std::vector<std::filesystem::path> read_plugin_dirs(const YamlNode& node, const std::string& path) {
  std::vector<std::filesystem::path> dirs;
  const auto& items = read_list(node, path, "a list of directories");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = index_path(path, i);
    const std::string text = read_string(items[i], item_path, "a non-empty directory path");
    if (text.empty()) {
      fail(items[i], item_path, "a non-empty directory path");
    }
    // Relative to the file that named it, so a config folder can be moved as a whole.
    const std::filesystem::path base = std::filesystem::path(items[i].file).parent_path();
    dirs.push_back(std::filesystem::absolute(base / text).lexically_normal());
  }
  return dirs;
}

std::vector<std::string> read_enabled(const YamlNode& node, const std::string& path) {
  std::vector<std::string> enabled;
  const std::string expected = "a plugin name made of letters, digits, '_' and '-'";
  const auto& items = read_list(node, path, "a list of plugin names");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = index_path(path, i);
    std::string name = read_string(items[i], item_path, expected);
    if (!host::valid_plugin_name(name)) {
      fail(items[i], item_path, expected);
    }
    const auto previous = std::find(enabled.begin(), enabled.end(), name);
    if (previous != enabled.end()) {
      throw ConfigError(items[i].file, item_path, items[i].line,
                        "plugin '" + name + "' is listed twice (first at " +
                            index_path(path, static_cast<std::size_t>(previous - enabled.begin())) +
                            "); expected unique names");
    }
    enabled.push_back(std::move(name));
  }
  return enabled;
}

std::map<std::string, nlohmann::json> read_settings(const YamlNode& node, const std::string& path) {
  std::map<std::string, nlohmann::json> settings;
  if (node.kind == YamlNode::Kind::null) {
    return settings;
  }
  if (node.kind != YamlNode::Kind::map) {
    fail(node, path, "a map of plugin name to that plugin's settings");
  }
  for (const YamlEntry& entry : node.entries) {
    const std::string entry_path = child(path, entry.key);
    if (entry.value.kind == YamlNode::Kind::null) {
      settings[entry.key] = nlohmann::json::object();
      continue;
    }
    if (entry.value.kind != YamlNode::Kind::map) {
      fail(entry.value, entry_path, "a map of settings for plugin '" + entry.key + "'");
    }
    settings[entry.key] = yaml_to_json(entry.value, entry_path);
  }
  return settings;
}

void parse_plugins(const YamlNode* map, const std::string& path, PluginsConfig& plugins) {
  if (map == nullptr) {
    return;
  }
  check_keys(*map, path, {"dirs", "enabled", "settings"});
  if (const YamlNode* node = value_of(map, "dirs")) {
    plugins.dirs = read_plugin_dirs(*node, child(path, "dirs"));
  }
  if (const YamlNode* node = value_of(map, "enabled")) {
    plugins.enabled = read_enabled(*node, child(path, "enabled"));
  }
  if (const YamlNode* node = value_of(map, "settings")) {
    plugins.settings = read_settings(*node, child(path, "settings"));
  }
}

}  // namespace

Config parse_config(const YamlNode& root) {
  Config config;
  if (root.kind == YamlNode::Kind::null) {
    return config;
  }
  if (root.kind != YamlNode::Kind::map) {
    fail(root, "", "a map of sections at the top level");
  }
  check_keys(root, "", {"server", "limits", "timeouts", "upstream", "admin", "logging", "plugins"});
  parse_server(section(root, "", "server"), "server", config.server);
  parse_limits(section(root, "", "limits"), "limits", config.limits);
  parse_timeouts(section(root, "", "timeouts"), "timeouts", config.timeouts);
  parse_upstream(section(root, "", "upstream"), "upstream", config.upstream);
  if (const YamlNode* admin = section(root, "", "admin")) {
    check_keys(*admin, "admin", {"allow"});
    if (const YamlNode* node = value_of(admin, "allow")) {
      config.admin.allow = read_networks(*node, "admin.allow");
    }
  }
  parse_logging(section(root, "", "logging"), "logging", config.logging);
  parse_plugins(section(root, "", "plugins"), "plugins", config.plugins);
  return config;
}

}  // namespace proxy::config
