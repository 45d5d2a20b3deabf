#pragma once

// The typed, validated configuration of proxy-server. Built once at startup by
// load_config() and then only read, so it can be shared between threads freely.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_error.hpp"
#include "config/config_files.hpp"
#include "config/network.hpp"

namespace proxy::config {

// server.proxy_protocol.mode: whether the listener expects a PROXY protocol header.
enum class ProxyProtocolMode {
  off,       // no header: the peer is the client (the default)
  required,  // every connection starts with one (v1 or v2), and only from `trusted` peers
};

inline const char* proxy_protocol_mode_name(ProxyProtocolMode mode) {
  return mode == ProxyProtocolMode::required ? "required" : "off";
}

// Behind an L4 load balancer (HAProxy, a cloud NLB) that reports each client in a PROXY
// protocol header.
struct ProxyProtocolConfig {
  ProxyProtocolMode mode = ProxyProtocolMode::off;
  // The balancers: a connection from any other peer is closed when mode is required.
  std::vector<Network> trusted{*parse_network("127.0.0.0/8")};
  // The whole header must arrive this long after accept, else the connection is closed.
  std::chrono::milliseconds timeout{3000};

  bool operator==(const ProxyProtocolConfig&) const = default;
};

struct ServerConfig {
  std::string listen = "127.0.0.1";  // never 0.0.0.0 by default: an open proxy is a liability
  std::uint16_t port = 8888;         // 0 = let the OS pick a free port (used by tests)
  unsigned workers = 0;              // io threads; 0 = one per core
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_ip = 256;
  std::chrono::milliseconds shutdown_grace{30000};
  // From SIGTERM until the listener closes: /_ready answers 503 meanwhile, so a balancer
  // stops sending before connections are refused. 0 = close at once.
  std::chrono::milliseconds shutdown_delay{0};
  // IPv6 clients count as one client per prefix of this length for max_connections_per_ip
  // and the rate limiter: a /64 is what one subscriber gets and can rotate through freely.
  unsigned ipv6_client_prefix = 64;
  ProxyProtocolConfig proxy_protocol;

  bool operator==(const ServerConfig&) const = default;
};

struct LimitsConfig {
  std::size_t max_header_bytes = 16384;
  std::size_t max_headers = 100;
  std::size_t buffer_bytes = 65536;

  bool operator==(const LimitsConfig&) const = default;
};

struct TimeoutsConfig {
  std::chrono::milliseconds header_read{10000};
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds idle{60000};
  std::chrono::milliseconds hook{5000};

  bool operator==(const TimeoutsConfig&) const = default;
};

// Who may reach 127.0.0.0/8, ::1 and the proxy host's own addresses through the proxy.
enum class LocalDestinations {
  loopback_clients,  // only clients that are themselves on loopback (the default)
  any,               // every client: the proxy host's local services are open to them
  none,              // nobody
};

inline const char* local_destinations_name(LocalDestinations value) {
  switch (value) {
    case LocalDestinations::any:
      return "any";
    case LocalDestinations::none:
      return "none";
    case LocalDestinations::loopback_clients:
      break;
  }
  return "loopback_clients";
}

// One name server of upstream.dns.servers: an address literal and its port.
struct DnsServer {
  std::string address;  // canonical text of the literal ("127.0.0.1", "::1")
  std::uint16_t port = 53;

  bool operator==(const DnsServer&) const = default;
};

// How upstream host names are resolved (core/dns).
struct DnsConfig {
  std::vector<DnsServer> servers;           // empty: the name servers of /etc/resolv.conf
  std::chrono::milliseconds timeout{5000};  // per lookup; beyond it 504
  std::size_t cache_entries = 10000;        // positive answers kept; 0 = no cache
  std::chrono::seconds min_ttl{5};          // answers are kept for their TTL clamped
  std::chrono::seconds max_ttl{300};        // to min_ttl..max_ttl

  bool operator==(const DnsConfig&) const = default;
};

struct UpstreamConfig {
  // Checked on every resolved address before connecting (cloud metadata, SSRF).
  std::vector<Network> deny_networks{*parse_network("0.0.0.0/8"), *parse_network("169.254.0.0/16"),
                                     *parse_network("100.100.100.200/32"),
                                     *parse_network("fe80::/10"),
                                     *parse_network("fd00:ec2::254/128")};
  LocalDestinations local_destinations = LocalDestinations::loopback_clients;
  DnsConfig dns;
  // RFC 8305: the next resolved address is dialled this long after the previous one
  // (or at once when it fails), the earlier attempts left running.
  std::chrono::milliseconds happy_eyeballs_delay{250};
  // Protocols a plain-HTTP request may switch to (Upgrade: websocket); lowercase. The
  // others are stripped from Upgrade, which is hop-by-hop.
  std::vector<std::string> upgrade_allowed{"websocket"};

  bool operator==(const UpstreamConfig&) const = default;
};

struct AdminConfig {
  // Who may reach /_metrics and the other admin endpoints.
  std::vector<Network> allow{*parse_network("127.0.0.1/32"), *parse_network("::1/128")};

  bool operator==(const AdminConfig&) const = default;
};

struct LoggingConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical or off

  bool operator==(const LoggingConfig&) const = default;
};

struct PluginsConfig {
  // Absolute; relative entries were resolved against the folder of the file that set them.
  std::vector<std::filesystem::path> dirs;
  std::vector<std::string> enabled;
  // Each plugin's settings as a JSON object, left for the plugin itself to validate.
  std::map<std::string, nlohmann::json> settings;

  bool operator==(const PluginsConfig&) const = default;
};

struct Config {
  ServerConfig server;
  LimitsConfig limits;
  TimeoutsConfig timeouts;
  UpstreamConfig upstream;
  AdminConfig admin;
  LoggingConfig logging;
  PluginsConfig plugins;
  std::vector<std::filesystem::path> files;  // the files merged, in order

  bool operator==(const Config&) const = default;
};

// Loads the files in order, deep-merges them (maps merge deeply; scalars and lists are
// replaced whole) and validates the result. An empty list gives the defaults.
// Throws ConfigError naming the file, key path and line of the first problem.
Config load_config(const std::vector<std::filesystem::path>& files);

// The effective configuration as YAML (for --print-config): every key, defaults included,
// durations in seconds. Loading the output again gives an equal Config (except files).
std::string print_config(const Config& config);

}  // namespace proxy::config
