#include "metrics_settings.hpp"

#include <cmath>
#include <string_view>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::metrics {
namespace {

using sdk::SettingsError;

constexpr std::size_t max_path_bytes = 256;

// The same rule the host applies to endpoint paths, checked here so a bad value stops
// startup as a settings error that names the key.
std::string path_of(const nlohmann::json& value) {
  if (!value.is_string()) {
    throw SettingsError("path", "expected a string such as \"/_metrics\"");
  }
  const auto& path = value.get_ref<const std::string&>();
  if (path.empty() || path.front() != '/') {
    throw SettingsError("path", "must start with '/'");
  }
  if (path.size() > max_path_bytes) {
    throw SettingsError("path", "must be at most 256 bytes");
  }
  for (const char c : path) {
    if (c <= ' ' || c >= 0x7F || c == '?' || c == '#') {
      throw SettingsError("path", "must hold printable ASCII only, without spaces, '?' or '#'");
    }
  }
  return path;
}

std::vector<double> buckets_of(const nlohmann::json& value, const std::string& key) {
  if (!value.is_array()) {
    throw SettingsError(key, "expected a list of bucket bounds in seconds");
  }
  if (value.empty() || value.size() > max_histogram_buckets) {
    throw SettingsError(
        key, "expected 1 to " + std::to_string(max_histogram_buckets) + " bucket bounds");
  }
  std::vector<double> bounds;
  bounds.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string entry = key + "[" + std::to_string(i) + "]";
    const auto& item = value[i];
    if (!item.is_number()) {  // false for booleans too: `true` is not a bound
      throw SettingsError(entry, "expected a number of seconds");
    }
    const double seconds = item.get<double>();
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > max_bucket_seconds) {
      throw SettingsError(entry, "expected a positive number of seconds up to 1e9");
    }
    if (!bounds.empty() && seconds <= bounds.back()) {
      throw SettingsError(entry, "bucket bounds must be strictly increasing");
    }
    bounds.push_back(seconds);
  }
  return bounds;
}

}  // namespace

MetricsSettings parse_settings(const nlohmann::json& settings) {
  MetricsSettings out;
  if (settings.is_null()) {
    return out;
  }
  if (!settings.is_object()) {
    throw SettingsError("", "expected a mapping");
  }
  for (const auto& [key, value] : settings.items()) {
    if (key == "path") {
      out.path = path_of(value);
    } else if (key == "request_duration_buckets") {
      out.request_duration_buckets = buckets_of(value, key);
    } else if (key == "tunnel_duration_buckets") {
      out.tunnel_duration_buckets = buckets_of(value, key);
    } else {
      throw SettingsError(key,
                          "unknown setting (expected one of: path, request_duration_buckets, "
                          "tunnel_duration_buckets)");
    }
  }
  return out;
}

}  // namespace proxy::plugins::metrics
