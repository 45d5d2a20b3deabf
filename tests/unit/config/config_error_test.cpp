#include <gtest/gtest.h>

#include "config/config.hpp"

namespace proxy::config {
namespace {

TEST(ConfigError, FormatsFileLineKeyAndMessage) {
  const ConfigError error("config/override.yaml", "server.port", 12,
                          "expected an integer in 0..65535, got \"abc\"");
  EXPECT_STREQ(
      error.what(),
      "config/override.yaml:12: server.port: expected an integer in 0..65535, got \"abc\"");
  EXPECT_EQ(error.file(), "config/override.yaml");
  EXPECT_EQ(error.key_path(), "server.port");
  EXPECT_EQ(error.line(), 12);
}

TEST(ConfigError, LeavesOutUnknownLineAndKey) {
  EXPECT_STREQ(ConfigError("a.yaml", "", 0, "cannot read").what(), "a.yaml: cannot read");
  EXPECT_STREQ(ConfigError("a.yaml", "", 3, "invalid YAML").what(), "a.yaml:3: invalid YAML");
  EXPECT_STREQ(ConfigError("a.yaml", "x.y", 0, "bad").what(), "a.yaml: x.y: bad");
}

TEST(ConfigError, StaysOnOneLine) {
  const std::string text = ConfigError("a.yaml", "k", 1, "two\nlines").what();
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace proxy::config
