#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace proxy::plugins::metrics {

// Histograms have at most this many buckets besides +Inf: each bucket is one counter per
// io thread, so the list cannot grow without bound.
inline constexpr std::size_t max_histogram_buckets = 32;
// The largest bucket bound, in seconds (a bit over 31 years): durations are whole
// microseconds in 64 bits, and a bound beyond this would never be reached anyway.
inline constexpr double max_bucket_seconds = 1e9;

// plugins.settings.metrics, validated and frozen at startup.
struct MetricsSettings {
  // Where the exposition is served on the proxy's own port.
  std::string path = "/_metrics";
  // Upper bounds (seconds, strictly increasing) of the duration histograms; +Inf is
  // always added. Requests default to Prometheus' usual latency buckets; tunnels live
  // much longer, so theirs reach an hour.
  std::vector<double> request_duration_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,    2.5,   5,    10};
  std::vector<double> tunnel_duration_buckets = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
};

// Reads the settings; throws sdk::SettingsError naming the key (and "key[i]" for a list
// entry) for an unknown key, a wrong type or a bad value. Null means no settings.
MetricsSettings parse_settings(const nlohmann::json& settings);

}  // namespace proxy::plugins::metrics
