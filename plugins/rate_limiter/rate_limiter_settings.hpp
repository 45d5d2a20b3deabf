#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {

// Bounds on the settings besides max_requests (window_counter.hpp). A client costs the
// same few bytes whatever `requests` is, so the two are not capped together.
inline constexpr double max_window_seconds = 86'400;
inline constexpr std::size_t max_clients = 100'000'000;
inline constexpr std::int64_t max_redis_timeout_ms = 60'000;
inline constexpr std::size_t max_redis_in_flight = 1'000'000;
inline constexpr std::size_t max_redis_prefix_bytes = 128;

// What a request is counted under (limit_key.hpp).
enum class KeyBy {
  client_ip,  // the client address (an IPv6 client by its server.ipv6_client_prefix)
  user,       // the `user` attribute an authentication plugin set; the client IP without
};

// Where the counters live.
enum class Backend {
  local,  // in this process: each instance limits on its own
  redis,  // in Redis: every instance sharing it enforces one limit
};

// What a decision the Redis backend could not get an answer for does.
enum class OnError { allow, deny };

struct RedisSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  // Sent with AUTH after connecting when not empty. Never logged.
  std::string password;
  std::uint32_t database = 0;  // SELECTed after connecting when not 0
  // How long a decision waits for Redis before following on_error.
  std::chrono::milliseconds timeout{50};
  OnError on_error = OnError::allow;
  std::string prefix = "proxy:rl:";  // before every key the plugin writes
  // Decisions waiting for Redis at once, over the whole connection pool; beyond it a
  // decision follows on_error at once.
  std::size_t max_in_flight = 4096;
};

struct Settings {
  Limits limits;
  KeyBy key = KeyBy::client_ip;
  Backend backend = Backend::local;
  RedisSettings redis;  // read and checked whatever the backend, used with `redis`
};

// plugins.settings.rate_limiter, validated strictly: unknown keys, wrong types and values
// out of range throw sdk::SettingsError naming the key ("redis.timeout_ms"). Absent keys
// keep their defaults (requests 100, window 1, max_tracked_clients 100000, key
// client_ip, backend local, the RedisSettings above); null settings mean all defaults.
// The window, in seconds like every duration in the config, is rounded to whole
// milliseconds. The password is never quoted in an error.
Settings parse_settings(const nlohmann::json& settings);

// "host:port", "[v6]:port" or a bare host (port 6379) into `host` and `port`; the reason
// it is not one of those, or "" when it is.
std::string parse_redis_address(std::string_view text, std::string& host, std::uint16_t& port);

}  // namespace proxy::plugins::rate_limiter
