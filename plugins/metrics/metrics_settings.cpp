#include "metrics_settings.hpp"

#include <string>
#include <string_view>

#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::metrics {
namespace {

constexpr std::size_t max_path_bytes = 256;

// The same rule the host applies to endpoint paths, checked here so a bad value stops
// startup as a settings error that names the key.
std::string path_problem(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return "it must start with '/'";
  }
  if (path.size() > max_path_bytes) {
    return "it must be at most 256 bytes";
  }
  for (const char c : path) {
    if (c <= ' ' || c >= 0x7F || c == '?' || c == '#') {
      return "it must hold printable ASCII only, without spaces, '?' or '#'";
    }
  }
  return "";
}

std::vector<double> read_buckets(const sdk::SettingsReader& reader, std::string_view key,
                                 std::vector<double> fallback) {
  const sdk::setting::Number bound{
      .min = 0,
      .max = max_bucket_seconds,
      .above_min = true,
      .expected = "a number of seconds greater than 0 and at most 1000000000"};
  std::vector<double> bounds =
      reader.list(key, bound, std::move(fallback), {.min = 1, .max = max_histogram_buckets});
  for (std::size_t i = 1; i < bounds.size(); ++i) {
    if (bounds[i] <= bounds[i - 1]) {
      reader.reject(key, i, "a bound above the one before it (strictly increasing)");
    }
  }
  return bounds;
}

}  // namespace

MetricsSettings parse_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(settings,
                                   {"path", "request_duration_buckets", "tunnel_duration_buckets"});
  MetricsSettings out;
  out.path = reader.get(
      "path", sdk::setting::Text{"an endpoint path such as \"/_metrics\"", path_problem}, out.path);
  out.request_duration_buckets =
      read_buckets(reader, "request_duration_buckets", out.request_duration_buckets);
  out.tunnel_duration_buckets =
      read_buckets(reader, "tunnel_duration_buckets", out.tunnel_duration_buckets);
  return out;
}

}  // namespace proxy::plugins::metrics
