#pragma once

#include <nlohmann/json.hpp>

#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {

// Bounds on the settings. The log of a client holds at most `requests` 8-byte times, so
// the worst case is requests x max_tracked_clients x 8 bytes; it is capped too.
inline constexpr std::uint64_t max_requests = 1'000'000;
inline constexpr double min_window_seconds = 0.001;
inline constexpr double max_window_seconds = 86'400;
inline constexpr std::uint64_t max_clients = 100'000'000;
inline constexpr std::uint64_t max_log_bytes = std::uint64_t{4} << 30U;

// plugins.settings.rate_limiter, validated strictly: unknown keys, wrong types and values
// out of range throw sdk::SettingsError naming the key. Absent keys keep their defaults
// (requests 100, window 1, max_tracked_clients 100000); null settings mean all defaults.
Limits parse_settings(const nlohmann::json& settings);

}  // namespace proxy::plugins::rate_limiter
