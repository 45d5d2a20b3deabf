#include "app/cli_options.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::app::Command;
using proxy::app::parse_cli;
using proxy::app::UsageError;

TEST(ParseCli, DefaultsToRunWithNoConfig) {
  const auto options = parse_cli({});
  EXPECT_EQ(options.command, Command::run);
  EXPECT_TRUE(options.config_files.empty());
  EXPECT_FALSE(options.log_level.has_value());
}

TEST(ParseCli, KeepsRepeatedConfigsInOrder) {
  const auto options = parse_cli({"--config", "a.yaml", "--config=b.yaml", "-c", "c.yaml"});
  ASSERT_EQ(options.config_files.size(), 3U);
  EXPECT_EQ(options.config_files[0], "a.yaml");
  EXPECT_EQ(options.config_files[1], "b.yaml");
  EXPECT_EQ(options.config_files[2], "c.yaml");
}

TEST(ParseCli, ReadsCommandsAndLogLevel) {
  EXPECT_EQ(parse_cli({"--check-config"}).command, Command::check_config);
  EXPECT_EQ(parse_cli({"--print-config"}).command, Command::print_config);
  EXPECT_EQ(parse_cli({"--list-plugins"}).command, Command::list_plugins);
  EXPECT_EQ(parse_cli({"--version"}).command, Command::version);
  EXPECT_EQ(parse_cli({"-h"}).command, Command::help);
  EXPECT_EQ(parse_cli({"--log-level", "debug"}).log_level, "debug");
}

TEST(ParseCli, RejectsMistakesWithTheirName) {
  auto message = [](std::vector<std::string> args) {
    try {
      parse_cli(args);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({"--bogus"}).find("--bogus"), std::string::npos);
  EXPECT_NE(message({"--config"}).find("needs a value"), std::string::npos);
  EXPECT_NE(message({"--config="}).find("needs a non-empty value"), std::string::npos);
  EXPECT_NE(message({"--version=1"}).find("takes no value"), std::string::npos);
  EXPECT_NE(message({"--log-level", "loud"}).find("loud"), std::string::npos);
  EXPECT_NE(message({"file.yaml"}).find("file.yaml"), std::string::npos);
  EXPECT_NE(message({"--check-config", "--print-config"}).find("cannot be combined"),
            std::string::npos);
}

}  // namespace
