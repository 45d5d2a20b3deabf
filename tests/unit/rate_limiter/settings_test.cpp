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
    const Limits limits = parse_settings(settings).limits;
    EXPECT_EQ(limits.requests, 100U);
    EXPECT_EQ(limits.window, 1s);
    EXPECT_EQ(limits.max_tracked_clients, 100000U);
  }
}

TEST(RateLimiterSettings, ReadsEveryKey) {
  const Limits limits =
      parse_settings(json{{"requests", 3}, {"window", 2.5}, {"max_tracked_clients", 10}}).limits;
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
      parse_settings(json{{"requests", 4294967295U}, {"max_tracked_clients", max_clients}}).limits;
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
  EXPECT_EQ(parse_settings(json{{"window", 0.0014}}).limits.window, 1ms);
  EXPECT_EQ(parse_settings(json{{"window", 0.0016}}).limits.window, 2ms);
  EXPECT_EQ(parse_settings(json{{"window", 86400}}).limits.window, 86400s);
}

TEST(RateLimiterSettings, KeyBackendAndRedisDefaultsMatchTheDesign) {
  const Settings settings = parse_settings(json::object());
  EXPECT_EQ(settings.key, KeyBy::client_ip);
  EXPECT_EQ(settings.backend, Backend::local);
  EXPECT_EQ(settings.redis.host, "127.0.0.1");
  EXPECT_EQ(settings.redis.port, 6379);
  EXPECT_EQ(settings.redis.password, "");
  EXPECT_EQ(settings.redis.database, 0U);
  EXPECT_EQ(settings.redis.timeout, 50ms);
  EXPECT_EQ(settings.redis.on_error, OnError::allow);
  EXPECT_EQ(settings.redis.prefix, "proxy:rl:");
  EXPECT_EQ(settings.redis.max_in_flight, 4096U);
}

TEST(RateLimiterSettings, ReadsKeyBackendAndEveryRedisKey) {
  const Settings settings = parse_settings(json{{"key", "user"},
                                                {"backend", "redis"},
                                                {"redis",
                                                 {{"address", "[::1]:6380"},
                                                  {"password", "s3cret"},
                                                  {"database", 3},
                                                  {"timeout_ms", 250},
                                                  {"on_error", "deny"},
                                                  {"prefix", "team-a:"},
                                                  {"max_in_flight", 10}}}});
  EXPECT_EQ(settings.key, KeyBy::user);
  EXPECT_EQ(settings.backend, Backend::redis);
  EXPECT_EQ(settings.redis.host, "::1");
  EXPECT_EQ(settings.redis.port, 6380);
  EXPECT_EQ(settings.redis.password, "s3cret");
  EXPECT_EQ(settings.redis.database, 3U);
  EXPECT_EQ(settings.redis.timeout, 250ms);
  EXPECT_EQ(settings.redis.on_error, OnError::deny);
  EXPECT_EQ(settings.redis.prefix, "team-a:");
  EXPECT_EQ(settings.redis.max_in_flight, 10U);
}

TEST(RateLimiterSettings, RedisAddressForms) {
  struct Case {
    const char* text;
    const char* host;
    std::uint16_t port;
  };
  for (const Case& c : {Case{"127.0.0.1:6379", "127.0.0.1", 6379},
                        Case{"redis.internal:7000", "redis.internal", 7000},
                        Case{"redis.internal", "redis.internal", 6379}, Case{"[::1]:1", "::1", 1},
                        Case{"[::1]", "::1", 6379}}) {
    const Settings settings = parse_settings(json{{"redis", {{"address", c.text}}}});
    EXPECT_EQ(settings.redis.host, c.host) << c.text;
    EXPECT_EQ(settings.redis.port, c.port) << c.text;
  }
  for (const char* bad : {"", ":6379", "host:", "host:0", "host:65536", "host:port", "::1:6379",
                          "[::1", "[::1]6379", "[]:6379", "a b:1", "user@host:1", "h/x:1"}) {
    EXPECT_EQ(rejected_key(json{{"redis", {{"address", bad}}}}), "redis.address") << bad;
  }
}

TEST(RateLimiterSettings, RefusesBadKeyBackendAndRedisValues) {
  EXPECT_EQ(rejected_key(json{{"key", "ip"}}), "key");
  EXPECT_EQ(rejected_key(json{{"key", "User"}}), "key");
  EXPECT_EQ(rejected_key(json{{"backend", "memcached"}}), "backend");
  EXPECT_EQ(rejected_key(json{{"redis", "127.0.0.1:6379"}}), "redis");
  EXPECT_EQ(rejected_key(json{{"redis", {{"host", "127.0.0.1"}}}}), "redis.host");
  EXPECT_EQ(rejected_key(json{{"redis", {{"timeout_ms", 0}}}}), "redis.timeout_ms");
  EXPECT_EQ(rejected_key(json{{"redis", {{"timeout_ms", 60001}}}}), "redis.timeout_ms");
  EXPECT_EQ(rejected_key(json{{"redis", {{"timeout_ms", 0.5}}}}), "redis.timeout_ms");
  EXPECT_EQ(rejected_key(json{{"redis", {{"on_error", "ignore"}}}}), "redis.on_error");
  EXPECT_EQ(rejected_key(json{{"redis", {{"database", -1}}}}), "redis.database");
  EXPECT_EQ(rejected_key(json{{"redis", {{"max_in_flight", 0}}}}), "redis.max_in_flight");
  EXPECT_EQ(rejected_key(json{{"redis", {{"prefix", std::string(129, 'p')}}}}), "redis.prefix");
  EXPECT_EQ(rejected_key(json{{"redis", {{"prefix", 5}}}}), "redis.prefix");
  EXPECT_EQ(rejected_key(json{{"redis", {{"password", nullptr}}}}), "redis.password");
}

// A password must never reach a log line: a refused one is not quoted in the error.
TEST(RateLimiterSettings, ARefusedPasswordIsNotQuoted) {
  for (const json& password : {json(123456789), json(true), json::array({"hunter2"}),
                               json("hunter2\r\nx"), json(std::string("hun\0ter2", 8))}) {
    try {
      parse_settings(json{{"redis", {{"password", password}}}});
      ADD_FAILURE() << "accepted";
    } catch (const sdk::SettingsError& e) {
      EXPECT_EQ(e.key(), "redis.password");
      const std::string message = e.what();
      EXPECT_EQ(message.find("123456789"), std::string::npos) << message;
      EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
      EXPECT_EQ(message.find("hun"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
