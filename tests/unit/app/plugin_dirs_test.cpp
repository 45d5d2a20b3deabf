#include "app/plugin_dirs.hpp"

#include <gtest/gtest.h>

#include "plugin_host/plugin_search.hpp"

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

// --list-plugins must show only names plugins.enabled accepts.
TEST(PluginNames, FileNamesMapToEnableableNamesOnly) {
  using proxy::host::plugin_name_of;
  EXPECT_EQ(plugin_name_of("/p/libjson_log.so"), "json_log");
  EXPECT_EQ(plugin_name_of("/p/my-plugin.so"), "my-plugin");
  EXPECT_EQ(plugin_name_of("/p/libfoo.bar.so"), std::nullopt);
  EXPECT_EQ(plugin_name_of("/p/libx.so.1"), std::nullopt);
  EXPECT_FALSE(proxy::host::valid_plugin_name(".."));
  EXPECT_FALSE(proxy::host::valid_plugin_name("a/b"));
  EXPECT_FALSE(proxy::host::valid_plugin_name(""));
}

}  // namespace
