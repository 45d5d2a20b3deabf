#include "rate_limiter_settings.hpp"

#include <cmath>
#include <string>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

using sdk::SettingsError;

std::uint64_t positive_integer(const nlohmann::json& value, const char* key,
                               std::uint64_t maximum) {
  if (!value.is_number_integer()) {
    throw SettingsError(key, "expected an integer");
  }
  // nlohmann keeps negative YAML integers signed and huge ones unsigned.
  const bool not_positive = !value.is_number_unsigned() && value.get<std::int64_t>() < 1;
  const std::uint64_t number = not_positive ? 0 : value.get<std::uint64_t>();
  if (number < 1 || number > maximum) {
    throw SettingsError(key, "expected an integer from 1 to " + std::to_string(maximum));
  }
  return number;
}

std::chrono::milliseconds window_of(const nlohmann::json& value) {
  if (!value.is_number()) {
    throw SettingsError("window", "expected a number of seconds");
  }
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < min_window_seconds || seconds > max_window_seconds) {
    throw SettingsError("window", "expected seconds from 0.001 to 86400");
  }
  return std::chrono::milliseconds(std::llround(seconds * 1e3));
}

}  // namespace

Limits parse_settings(const nlohmann::json& settings) {
  Limits limits;
  if (settings.is_null()) {
    return limits;
  }
  if (!settings.is_object()) {
    throw SettingsError("", "expected a mapping");
  }
  for (const auto& [key, value] : settings.items()) {
    if (key == "requests") {
      limits.requests = positive_integer(value, "requests", max_requests);
    } else if (key == "window") {
      limits.window = window_of(value);
    } else if (key == "max_tracked_clients") {
      limits.max_tracked_clients = positive_integer(value, "max_tracked_clients", max_clients);
    } else {
      throw SettingsError(key,
                          "unknown setting (expected one of: requests, window, "
                          "max_tracked_clients)");
    }
  }
  return limits;
}

}  // namespace proxy::plugins::rate_limiter
