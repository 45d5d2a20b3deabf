#include "rate_limiter_settings.hpp"

#include <charconv>

#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

constexpr std::uint16_t default_redis_port = 6379;

// A printable ASCII host name or address, without the characters that would make the
// address ambiguous.
bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  for (const char c : host) {
    if (c <= ' ' || c > '~' || c == '/' || c == '[' || c == ']' || c == '@') {
      return false;
    }
  }
  return true;
}

sdk::setting::Text address_kind() {
  sdk::setting::Text kind;
  kind.expected = "a Redis address such as 127.0.0.1:6379 or [::1]:6379";
  kind.check = [](std::string_view text) {
    std::string host;
    std::uint16_t port = 0;
    return parse_redis_address(text, host, port);
  };
  return kind;
}

// The password is read by hand: the reader's errors quote the value they refuse, and a
// password must never reach a log line, even a mistyped one. `redis` is the section the
// reader already checked to be a map (or absent).
std::string read_password(const nlohmann::json& settings, const sdk::SettingsReader& redis) {
  constexpr std::string_view key = "password";
  if (!redis.has(key)) {
    return {};
  }
  const nlohmann::json& value = settings.at("redis").at(std::string(key));
  if (!value.is_string()) {
    throw sdk::SettingsError(redis.path(key), "expected a string (the value is not shown)");
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    throw sdk::SettingsError(redis.path(key),
                             "expected a password without CR, LF or NUL (the value is not shown)");
  }
  return text;
}

}  // namespace

std::string parse_redis_address(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string_view host_part = text;
  std::string_view port_part;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return "an IPv6 address in brackets lacks the ']'";
    }
    host_part = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return "expected ':' and a port after the ']'";
      }
      port_part = rest.substr(1);
      if (port_part.empty()) {
        return "the port is missing after ':'";
      }
    }
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) {
      return "an IPv6 address needs brackets: [::1]:6379";
    }
    host_part = text.substr(0, colon);
    port_part = text.substr(colon + 1);
    if (port_part.empty()) {
      return "the port is missing after ':'";
    }
  }
  if (!valid_host(host_part)) {
    return "the host is empty or not printable ASCII";
  }
  port = default_redis_port;
  if (!port_part.empty()) {
    unsigned value = 0;
    const auto [end, error] =
        std::from_chars(port_part.data(), port_part.data() + port_part.size(), value);
    if (error != std::errc() || end != port_part.data() + port_part.size() || value == 0 ||
        value > 65535) {
      return "the port must be a number from 1 to 65535";
    }
    port = static_cast<std::uint16_t>(value);
  }
  host = std::string(host_part);
  return {};
}

Settings parse_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(
      settings, {"requests", "window", "max_tracked_clients", "key", "backend", "redis"});
  Settings out;
  Limits& limits = out.limits;
  limits.requests = reader.integer("requests", limits.requests, 1, max_requests);
  limits.window = reader.seconds("window", limits.window, max_window_seconds);
  limits.max_tracked_clients =
      reader.integer("max_tracked_clients", limits.max_tracked_clients, 1, max_clients);
  out.key = reader.choice("key", {"client_ip", "user"}, "client_ip") == "user" ? KeyBy::user
                                                                               : KeyBy::client_ip;
  out.backend = reader.choice("backend", {"local", "redis"}, "local") == "redis" ? Backend::redis
                                                                                 : Backend::local;

  const sdk::SettingsReader redis = reader.section(
      "redis",
      {"address", "password", "database", "timeout_ms", "on_error", "prefix", "max_in_flight"});
  RedisSettings& r = out.redis;
  const std::string address = redis.get("address", address_kind(), "127.0.0.1:6379");
  parse_redis_address(address, r.host, r.port);
  r.password = read_password(settings, redis);
  r.database = redis.integer<std::uint32_t>("database", r.database, 0, 2'147'483'647);
  r.timeout = std::chrono::milliseconds(
      redis.integer<std::int64_t>("timeout_ms", r.timeout.count(), 1, max_redis_timeout_ms));
  r.on_error = redis.choice("on_error", {"allow", "deny"}, "allow") == "deny" ? OnError::deny
                                                                              : OnError::allow;
  sdk::setting::Text prefix_kind;
  prefix_kind.expected = "a string of at most " + std::to_string(max_redis_prefix_bytes) + " bytes";
  prefix_kind.check = [](std::string_view text) {
    return text.size() > max_redis_prefix_bytes ? std::string("too long") : std::string();
  };
  r.prefix = redis.get("prefix", prefix_kind, r.prefix);
  r.max_in_flight =
      redis.integer<std::size_t>("max_in_flight", r.max_in_flight, 1, max_redis_in_flight);
  return out;
}

}  // namespace proxy::plugins::rate_limiter
