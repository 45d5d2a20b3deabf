#include "rate_limiter_settings.hpp"

#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The key the error names, or "<none>" when the settings were accepted.
std::string rejected_key(const json& settings) {
  try {
    parse_settings(settings);
  } catch (const sdk::SettingsError& e) {
    return e.key();
  }
  return "<none>";
}

TEST(RateLimiterSettings, DefaultsMatchTheDesign) {
  for (const json& settings : {json(nullptr), json::object()}) {
    const Limits limits = parse_settings(settings);
    EXPECT_EQ(limits.requests, 100U);
    EXPECT_EQ(limits.window, 1s);
    EXPECT_EQ(limits.max_tracked_clients, 100000U);
  }
}

TEST(RateLimiterSettings, ReadsEveryKey) {
  const Limits limits =
      parse_settings(json{{"requests", 3}, {"window", 2.5}, {"max_tracked_clients", 10}});
  EXPECT_EQ(limits.requests, 3U);
  EXPECT_EQ(limits.window, 2500ms);
  EXPECT_EQ(limits.max_tracked_clients, 10U);
}

TEST(RateLimiterSettings, AcceptsTheBounds) {
  EXPECT_EQ(rejected_key(json{{"requests", 1}, {"window", 0.001}, {"max_tracked_clients", 1}}),
            "<none>");
  EXPECT_EQ(rejected_key(
                json{{"requests", max_requests}, {"window", 86400}, {"max_tracked_clients", 500}}),
            "<none>");
}

TEST(RateLimiterSettings, RefusesAnUnknownKey) {
  EXPECT_EQ(rejected_key(json{{"request", 3}}), "request");
}

TEST(RateLimiterSettings, RefusesSettingsThatAreNotAMapping) {
  EXPECT_EQ(rejected_key(json::array({1, 2})), "");
  EXPECT_EQ(rejected_key(json(5)), "");
}

TEST(RateLimiterSettings, RefusesWrongTypes) {
  EXPECT_EQ(rejected_key(json{{"requests", "3"}}), "requests");
  EXPECT_EQ(rejected_key(json{{"requests", 3.5}}), "requests");
  EXPECT_EQ(rejected_key(json{{"requests", true}}), "requests");
  EXPECT_EQ(rejected_key(json{{"requests", nullptr}}), "requests");
  EXPECT_EQ(rejected_key(json{{"window", "1s"}}), "window");
  EXPECT_EQ(rejected_key(json{{"window", false}}), "window");
  EXPECT_EQ(rejected_key(json{{"max_tracked_clients", json::array()}}), "max_tracked_clients");
}

TEST(RateLimiterSettings, RefusesValuesOutOfRange) {
  EXPECT_EQ(rejected_key(json{{"requests", 0}}), "requests");
  EXPECT_EQ(rejected_key(json{{"requests", -1}}), "requests");
  EXPECT_EQ(rejected_key(json{{"requests", max_requests + 1}}), "requests");
  EXPECT_EQ(rejected_key(json{{"requests", 4294967296.0}}), "requests");
  EXPECT_EQ(rejected_key(json{{"requests", std::numeric_limits<std::uint64_t>::max()}}),
            "requests");
  EXPECT_EQ(rejected_key(json{{"window", 0}}), "window");
  EXPECT_EQ(rejected_key(json{{"window", -1}}), "window");
  EXPECT_EQ(rejected_key(json{{"window", 0.0001}}), "window");
  EXPECT_EQ(rejected_key(json{{"window", 86401}}), "window");
  EXPECT_EQ(rejected_key(json{{"window", std::numeric_limits<double>::infinity()}}), "window");
  EXPECT_EQ(rejected_key(json{{"window", std::numeric_limits<double>::quiet_NaN()}}), "window");
  EXPECT_EQ(rejected_key(json{{"max_tracked_clients", 0}}), "max_tracked_clients");
  EXPECT_EQ(rejected_key(json{{"max_tracked_clients", max_clients + 1}}), "max_tracked_clients");
}

// A client costs the same whatever `requests` is: the largest of both load together.
TEST(RateLimiterSettings, AcceptsTheLargestRequestsWithTheLargestClientCount) {
  const Limits limits =
      parse_settings(json{{"requests", 4294967295U}, {"max_tracked_clients", max_clients}});
  EXPECT_EQ(limits.requests, 4294967295U);
  EXPECT_EQ(limits.max_tracked_clients, max_clients);
}

TEST(RateLimiterSettings, RequestsErrorStatesTheRange) {
  for (const json& requests : {json(0), json(4294967296U), json(2.5)}) {
    try {
      parse_settings(json{{"requests", requests}});
      ADD_FAILURE() << requests << " was accepted";
    } catch (const sdk::SettingsError& e) {
      EXPECT_EQ(e.key(), "requests");
      EXPECT_EQ(std::string(e.what()),
                "expected an integer from 1 to 4294967295, got " + requests.dump());
    }
  }
}

TEST(RateLimiterSettings, WindowIsRoundedToWholeMilliseconds) {
  EXPECT_EQ(parse_settings(json{{"window", 0.0014}}).window, 1ms);
  EXPECT_EQ(parse_settings(json{{"window", 0.0016}}).window, 2ms);
  EXPECT_EQ(parse_settings(json{{"window", 86400}}).window, 86400s);
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
