#pragma once

#include <nlohmann/json.hpp>

#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {

// Bounds on the settings besides max_requests (window_counter.hpp). A client costs the
// same few bytes whatever `requests` is, so the two are not capped together.
inline constexpr double max_window_seconds = 86'400;
inline constexpr std::size_t max_clients = 100'000'000;

// plugins.settings.rate_limiter, validated strictly: unknown keys, wrong types and values
// out of range throw sdk::SettingsError naming the key. Absent keys keep their defaults
// (requests 100, window 1, max_tracked_clients 100000); null settings mean all defaults.
// The window, in seconds like every duration in the config, is rounded to whole
// milliseconds.
Limits parse_settings(const nlohmann::json& settings);

}  // namespace proxy::plugins::rate_limiter
