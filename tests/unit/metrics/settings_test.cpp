#include "metrics_settings.hpp"

#include <gtest/gtest.h>

#include <string>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::metrics {
namespace {

// The key a SettingsError names, or "" when the settings were accepted.
std::string rejected_key(const nlohmann::json& settings) {
  try {
    parse_settings(settings);
  } catch (const sdk::SettingsError& e) {
    return e.key().empty() ? "<root>" : e.key();
  }
  return "";
}

TEST(MetricsSettings, DefaultsMatchTheDesign) {
  for (const auto& empty : {nlohmann::json(), nlohmann::json::object()}) {
    const MetricsSettings settings = parse_settings(empty);
    EXPECT_EQ(settings.path, "/_metrics");
    EXPECT_EQ(settings.request_duration_buckets.front(), 0.005);
    EXPECT_EQ(settings.request_duration_buckets.back(), 10);
    EXPECT_EQ(settings.tunnel_duration_buckets.back(), 3600);
  }
}

TEST(MetricsSettings, ReadsEveryKey) {
  const MetricsSettings settings = parse_settings(nlohmann::json{
      {"path", "/stats/prometheus"},
      {"request_duration_buckets", {0.001, 0.5, 2}},
      {"tunnel_duration_buckets", {1, 60}},
  });
  EXPECT_EQ(settings.path, "/stats/prometheus");
  EXPECT_EQ(settings.request_duration_buckets, (std::vector<double>{0.001, 0.5, 2}));
  EXPECT_EQ(settings.tunnel_duration_buckets, (std::vector<double>{1, 60}));
}

TEST(MetricsSettings, RefusesUnknownKeysAndNonMappings) {
  EXPECT_EQ(rejected_key({{"paht", "/_metrics"}}), "paht");
  EXPECT_EQ(rejected_key({{"buckets", {1}}}), "buckets");
  EXPECT_EQ(rejected_key(nlohmann::json::array({"/_metrics"})), "<root>");
  EXPECT_EQ(rejected_key("/_metrics"), "<root>");
}

TEST(MetricsSettings, PathMustBeAnEndpointPath) {
  EXPECT_EQ(rejected_key({{"path", "_metrics"}}), "path");
  EXPECT_EQ(rejected_key({{"path", ""}}), "path");
  EXPECT_EQ(rejected_key({{"path", 42}}), "path");
  EXPECT_EQ(rejected_key({{"path", nullptr}}), "path");
  EXPECT_EQ(rejected_key({{"path", "/a b"}}), "path");
  EXPECT_EQ(rejected_key({{"path", "/m?x=1"}}), "path");
  EXPECT_EQ(rejected_key({{"path", "/m#top"}}), "path");
  EXPECT_EQ(rejected_key({{"path", "/caf\xc3\xa9"}}), "path");
  EXPECT_EQ(rejected_key({{"path", "/" + std::string(256, 'm')}}), "path");
  EXPECT_EQ(rejected_key({{"path", "/" + std::string(255, 'm')}}), "");
  EXPECT_EQ(rejected_key({{"path", "/"}}), "");
}

TEST(MetricsSettings, BucketsArePositiveAndStrictlyIncreasing) {
  const std::string key = "request_duration_buckets";
  EXPECT_EQ(rejected_key({{key, 0.5}}), key);
  EXPECT_EQ(rejected_key({{key, nlohmann::json::array()}}), key);
  EXPECT_EQ(rejected_key({{key, {0.1, "1"}}}), key + "[1]");
  EXPECT_EQ(rejected_key({{key, {true}}}), key + "[0]");
  EXPECT_EQ(rejected_key({{key, {0}}}), key + "[0]");
  EXPECT_EQ(rejected_key({{key, {-1}}}), key + "[0]");
  EXPECT_EQ(rejected_key({{key, {0.1, 0.1}}}), key + "[1]");
  EXPECT_EQ(rejected_key({{key, {1, 2, 1.5}}}), key + "[2]");
  EXPECT_EQ(rejected_key({{key, {1, 2e9}}}), key + "[1]");
  EXPECT_EQ(rejected_key({{"tunnel_duration_buckets", {5, 1}}}), "tunnel_duration_buckets[1]");
}

TEST(MetricsSettings, BucketCountIsCapped) {
  nlohmann::json bounds = nlohmann::json::array();
  for (std::size_t i = 1; i <= max_histogram_buckets; ++i) {
    bounds.push_back(static_cast<double>(i));
  }
  EXPECT_EQ(rejected_key({{"tunnel_duration_buckets", bounds}}), "");
  bounds.push_back(1000.0);
  EXPECT_EQ(rejected_key({{"tunnel_duration_buckets", bounds}}), "tunnel_duration_buckets");
}

}  // namespace
}  // namespace proxy::plugins::metrics
