#include "app/plugin_dirs.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::app::plugin_search_dirs;

TEST(PluginSearchDirs, ConfiguredFirstThenBesideTheBinary) {
  const auto dirs = plugin_search_dirs({"/etc/proxy/plugins", "/opt/more/"}, "/usr/local/bin");
  ASSERT_EQ(dirs.size(), 4U);
  EXPECT_EQ(dirs[0], "/etc/proxy/plugins");
  EXPECT_EQ(dirs[1], "/opt/more/");
  EXPECT_EQ(dirs[2], "/usr/local/bin/plugins");
  EXPECT_EQ(dirs[3], "/usr/local/lib/proxy-server/plugins");
}

TEST(PluginSearchDirs, DropsDuplicates) {
  const auto dirs =
      plugin_search_dirs({"/usr/local/bin/plugins", "/usr/local/bin/./plugins"}, "/usr/local/bin");
  ASSERT_EQ(dirs.size(), 2U);
  EXPECT_EQ(dirs[0], "/usr/local/bin/plugins");
}

}  // namespace
