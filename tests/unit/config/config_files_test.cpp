#include <gtest/gtest.h>

#include "config/config.hpp"
#include "temp_dir.hpp"

namespace proxy::config {
namespace {

using Paths = std::vector<std::filesystem::path>;

class ConfigFiles : public test_support::TempDirTest {};

TEST_F(ConfigFiles, DefaultFileWhenNoneGiven) {
  const auto default_file = write("config/default.yaml", "");
  EXPECT_EQ(config_files_to_load({}, default_file), Paths{default_file});
}

TEST_F(ConfigFiles, OverrideBesideDefaultIsMergedAfterIt) {
  const auto default_file = write("config/default.yaml", "");
  const auto override_file = write("config/override.yaml", "");
  EXPECT_EQ(config_files_to_load({}, default_file), (Paths{default_file, override_file}));
}

TEST_F(ConfigFiles, OverrideBesideSingleConfigIsPicked) {
  const auto main_file = write("etc/main.yaml", "");
  const auto override_file = write("etc/override.yaml", "");
  write("config/override.yaml", "");
  EXPECT_EQ(config_files_to_load({main_file}, dir_ / "config/default.yaml"),
            (Paths{main_file, override_file}));
}

TEST_F(ConfigFiles, SingleConfigWithoutOverride) {
  const auto main_file = write("etc/main.yaml", "");
  EXPECT_EQ(config_files_to_load({main_file}, dir_ / "default.yaml"), Paths{main_file});
}

TEST_F(ConfigFiles, OverrideGivenAloneIsNotMergedTwice) {
  const auto override_file = write("etc/override.yaml", "");
  EXPECT_EQ(config_files_to_load({override_file}, dir_ / "default.yaml"), Paths{override_file});
}

TEST_F(ConfigFiles, SeveralConfigsAreTakenExactlyInOrder) {
  const auto a = write("etc/a.yaml", "");
  const auto b = write("etc/b.yaml", "");
  write("etc/override.yaml", "");
  EXPECT_EQ(config_files_to_load({b, a}, dir_ / "default.yaml"), (Paths{b, a}));
  EXPECT_EQ(config_files_to_load({a, a}, dir_ / "default.yaml"), (Paths{a, a}));
}

TEST_F(ConfigFiles, MissingSingleConfigIsStillListedSoLoadingReportsIt) {
  const auto missing = dir_ / "nope.yaml";
  EXPECT_EQ(config_files_to_load({missing}, dir_ / "default.yaml"), Paths{missing});
}

}  // namespace
}  // namespace proxy::config
