#include "json_log_settings.hpp"

#include <string>

#include <gtest/gtest.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::json_log {
namespace {

using nlohmann::json;

std::string rejected_key(const json& settings) {
  try {
    parse_settings(settings);
  } catch (const sdk::SettingsError& e) {
    return e.key();
  }
  return "<none>";
}

TEST(JsonLogSettings, Defaults) {
  for (const json& settings : {json(nullptr), json::object()}) {
    const Settings parsed = parse_settings(settings);
    EXPECT_EQ(parsed.path, "-");
    EXPECT_TRUE(parsed.to_stdout());
    EXPECT_EQ(parsed.max_file_bytes, 100U << 20U);
    EXPECT_EQ(parsed.max_files, 5U);
    EXPECT_EQ(parsed.queue_size, 8192U);
    EXPECT_EQ(parsed.flush_interval_ms, 100U);
  }
}

TEST(JsonLogSettings, ReadsEveryKey) {
  const Settings parsed = parse_settings(json{{"path", "logs/access.log"},
                                              {"max_file_bytes", 4096},
                                              {"max_files", 3},
                                              {"queue_size", 16},
                                              {"flush_interval_ms", 250}});
  EXPECT_EQ(parsed.path, "logs/access.log");
  EXPECT_FALSE(parsed.to_stdout());
  EXPECT_EQ(parsed.max_file_bytes, 4096U);
  EXPECT_EQ(parsed.max_files, 3U);
  EXPECT_EQ(parsed.queue_size, 16U);
  EXPECT_EQ(parsed.flush_interval_ms, 250U);
}

TEST(JsonLogSettings, AcceptsTheBounds) {
  EXPECT_EQ(
      rejected_key(json{{"max_file_bytes", min_file_bytes}, {"max_files", 1}, {"queue_size", 1}}),
      "<none>");
  EXPECT_EQ(rejected_key(json{{"max_files", max_max_files}, {"queue_size", max_queue_size}}),
            "<none>");
  EXPECT_EQ(rejected_key(json{{"flush_interval_ms", 1}}), "<none>");
  EXPECT_EQ(rejected_key(json{{"flush_interval_ms", max_flush_interval_ms}}), "<none>");
}

TEST(JsonLogSettings, RefusesAnUnknownKey) {
  EXPECT_EQ(rejected_key(json{{"file", "x.log"}}), "file");
}

TEST(JsonLogSettings, RefusesSettingsThatAreNotAMapping) {
  EXPECT_EQ(rejected_key(json("-")), "");
}

TEST(JsonLogSettings, RefusesWrongTypes) {
  EXPECT_EQ(rejected_key(json{{"path", 1}}), "path");
  EXPECT_EQ(rejected_key(json{{"path", nullptr}}), "path");
  EXPECT_EQ(rejected_key(json{{"max_file_bytes", "100MiB"}}), "max_file_bytes");
  EXPECT_EQ(rejected_key(json{{"max_file_bytes", 4096.5}}), "max_file_bytes");
  EXPECT_EQ(rejected_key(json{{"max_files", true}}), "max_files");
  EXPECT_EQ(rejected_key(json{{"queue_size", json::array({1})}}), "queue_size");
  EXPECT_EQ(rejected_key(json{{"flush_interval_ms", "100ms"}}), "flush_interval_ms");
  EXPECT_EQ(rejected_key(json{{"flush_interval_ms", 0.5}}), "flush_interval_ms");
}

TEST(JsonLogSettings, RefusesValuesOutOfRange) {
  EXPECT_EQ(rejected_key(json{{"path", ""}}), "path");
  EXPECT_EQ(rejected_key(json{{"path", std::string("a\0b", 3)}}), "path");
  EXPECT_EQ(rejected_key(json{{"max_file_bytes", min_file_bytes - 1}}), "max_file_bytes");
  EXPECT_EQ(rejected_key(json{{"max_file_bytes", -1}}), "max_file_bytes");
  EXPECT_EQ(rejected_key(json{{"max_file_bytes", 18446744073709551615ULL}}), "max_file_bytes");
  EXPECT_EQ(rejected_key(json{{"max_files", 0}}), "max_files");
  EXPECT_EQ(rejected_key(json{{"max_files", max_max_files + 1}}), "max_files");
  EXPECT_EQ(rejected_key(json{{"queue_size", 0}}), "queue_size");
  EXPECT_EQ(rejected_key(json{{"queue_size", max_queue_size + 1}}), "queue_size");
  EXPECT_EQ(rejected_key(json{{"flush_interval_ms", 0}}), "flush_interval_ms");
  EXPECT_EQ(rejected_key(json{{"flush_interval_ms", -100}}), "flush_interval_ms");
  EXPECT_EQ(rejected_key(json{{"flush_interval_ms", max_flush_interval_ms + 1}}),
            "flush_interval_ms");
}

}  // namespace
}  // namespace proxy::plugins::json_log
