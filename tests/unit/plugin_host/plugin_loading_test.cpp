// The loader against deliberately broken plugins: each failure has its own kind and a
// one-line message naming the plugin.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "plugin_host/plugin_discovery.hpp"
#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "test_support.hpp"
#include "thread_timer_service.hpp"

namespace proxy::host {
namespace {

using test::plugin_dir;

struct Failure {
  PluginErrorKind kind;
  std::string plugin;
  std::string message;
};

Failure load_failure(const std::string& name,
                     std::vector<std::filesystem::path> dirs = {plugin_dir()},
                     std::map<std::string, std::string> settings = {}) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  try {
    registry.load({name}, dirs, settings);
  } catch (const PluginError& e) {
    return {e.kind(), e.plugin(), e.what()};
  }
  ADD_FAILURE() << "plugin '" << name << "' loaded";
  return {};
}

void expect_one_line_naming(const Failure& failure, const std::string& name) {
  EXPECT_EQ(failure.plugin, name);
  EXPECT_NE(failure.message.find("plugin '" + name + "'"), std::string::npos) << failure.message;
  EXPECT_EQ(failure.message.find('\n'), std::string::npos) << failure.message;
}

TEST(PluginLoading, NotFoundListsEveryFolderSearched) {
  const test::TempDir empty;
  const auto failure = load_failure("nowhere", {empty.path(), plugin_dir()});
  EXPECT_EQ(failure.kind, PluginErrorKind::not_found);
  expect_one_line_naming(failure, "nowhere");
  EXPECT_NE(failure.message.find("libnowhere.so"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find(empty.path().string()), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find(plugin_dir().string()), std::string::npos) << failure.message;
}

TEST(PluginLoading, NotALibraryCarriesTheLoadersReason) {
  const auto failure = load_failure("not_a_library");
  EXPECT_EQ(failure.kind, PluginErrorKind::not_a_library);
  expect_one_line_naming(failure, "not_a_library");
  const std::string prefix = "plugin 'not_a_library' (" +
                             (plugin_dir() / "libnot_a_library.so").string() +
                             "): cannot be loaded as a shared library: ";
  ASSERT_EQ(failure.message.rfind(prefix, 0), 0U) << failure.message;
  EXPECT_GT(failure.message.size(), prefix.size() + 5) << "no reason: " << failure.message;
}

TEST(PluginLoading, MissingExportNamesTheSymbol) {
  const auto failure = load_failure("missing_export");
  EXPECT_EQ(failure.kind, PluginErrorKind::missing_export);
  expect_one_line_naming(failure, "missing_export");
  EXPECT_NE(failure.message.find("'proxy_plugin_create'"), std::string::npos) << failure.message;
}

TEST(PluginLoading, WrongMajorIsRefusedNamingBothVersions) {
  // The plugin aborts if anything but its version is called: getting here proves the
  // version was checked first.
  const auto failure = load_failure("wrong_major");
  EXPECT_EQ(failure.kind, PluginErrorKind::abi_mismatch);
  const std::string host = std::to_string(PROXY_SDK_ABI_VERSION_MAJOR) + "." +
                           std::to_string(PROXY_SDK_ABI_VERSION_MINOR);
  const std::string plugin = std::to_string(PROXY_SDK_ABI_VERSION_MAJOR + 1) + ".0";
  EXPECT_EQ(failure.message, "plugin 'wrong_major' (" +
                                 (plugin_dir() / "libwrong_major.so").string() + "): ABI version " +
                                 plugin + " is not compatible with this host's " + host +
                                 " (same major and a minor up to " +
                                 std::to_string(PROXY_SDK_ABI_VERSION_MINOR) + " required)");
}

TEST(PluginLoading, NewerMinorIsRefusedNamingBothVersions) {
  const auto failure = load_failure("newer_minor");
  EXPECT_EQ(failure.kind, PluginErrorKind::abi_mismatch);
  expect_one_line_naming(failure, "newer_minor");
  const std::string major = std::to_string(PROXY_SDK_ABI_VERSION_MAJOR);
  EXPECT_NE(failure.message.find("ABI version " + major + "." +
                                 std::to_string(PROXY_SDK_ABI_VERSION_MINOR + 1)),
            std::string::npos)
      << failure.message;
  EXPECT_NE(
      failure.message.find("host's " + major + "." + std::to_string(PROXY_SDK_ABI_VERSION_MINOR)),
      std::string::npos)
      << failure.message;
}

TEST(PluginLoading, FactoryFailureCarriesTheFactorysMessage) {
  const auto failure = load_failure("factory_throws");
  EXPECT_EQ(failure.kind, PluginErrorKind::factory_failed);
  expect_one_line_naming(failure, "factory_throws");
  EXPECT_NE(failure.message.find("factory exploded on purpose"), std::string::npos)
      << failure.message;
}

TEST(PluginLoading, RejectedSettingsNameTheKey) {
  for (const std::string settings : {R"({"threshold": -1})", R"({"threshold": "x"})", "{}"}) {
    const auto failure =
        load_failure("rejects_settings", {plugin_dir()}, {{"rejects_settings", settings}});
    EXPECT_EQ(failure.kind, PluginErrorKind::settings_rejected) << settings;
    expect_one_line_naming(failure, "rejects_settings");
    EXPECT_NE(failure.message.find(
                  "plugins.settings.rejects_settings.threshold: expected a positive integer"),
              std::string::npos)
        << failure.message;
  }
}

TEST(PluginLoading, AcceptedSettingsLoad) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"rejects_settings"}, {plugin_dir()},
                {{"rejects_settings", R"({"threshold": 3})"}});
  ASSERT_EQ(registry.plugins().size(), 1U);
  EXPECT_NE(registry.plugins()[0].hooks.on_accept, nullptr);
}

TEST(PluginLoading, InvalidNamesAreNotLookedUp) {
  const auto failure = load_failure("../good");
  EXPECT_EQ(failure.kind, PluginErrorKind::not_found);
  expect_one_line_naming(failure, "../good");
}

TEST(PluginLoading, FailureMidLoadDestroysWhatWasCreatedBeforeUnloading) {
  const test::TempDir dir;
  const auto trace = dir.path() / "trace.txt";
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  try {
    registry.load({"good", "factory_throws"}, {plugin_dir()},
                  {{"good", R"({"trace_file": ")" + trace.string() + R"("})"}});
    FAIL() << "loaded";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.kind(), PluginErrorKind::factory_failed);
    EXPECT_EQ(e.plugin(), "factory_throws");
  }
  // good's shutdown timer was cancelled, then good was destroyed, before load() threw.
  EXPECT_EQ(test::read_lines(trace),
            (std::vector<std::string>{"timer cancelled", "destroyed good"}));
  EXPECT_TRUE(registry.plugins().empty());
}

TEST(PluginLoading, LibPrefixedFileWinsAndFoldersAreSearchedInOrder) {
  const test::TempDir first;
  std::filesystem::copy_file(plugin_dir() / "libgood.so", first.path() / "good.so");
  {
    test::ThreadTimerService timers;
    PluginRegistry registry(timers);
    registry.load({"good"}, {first.path(), plugin_dir()}, {});
    EXPECT_EQ(registry.plugins().at(0).path, first.path() / "good.so");
  }
  {
    test::ThreadTimerService timers;
    PluginRegistry registry(timers);
    registry.load({"good"}, {plugin_dir(), first.path()}, {});
    EXPECT_EQ(registry.plugins().at(0).path, plugin_dir() / "libgood.so");
  }
  std::filesystem::copy_file(plugin_dir() / "libold_abi.so", first.path() / "libgood.so");
  {
    test::ThreadTimerService timers;
    PluginRegistry registry(timers);
    registry.load({"good"}, {first.path()}, {});
    EXPECT_EQ(registry.plugins().at(0).path, first.path() / "libgood.so");
  }
}

TEST(PluginDiscovery, ListsEveryPluginWithInfoOrError) {
  const test::TempDir missing;
  const auto listings =
      discover_plugins({missing.path() / "absent", plugin_dir()}, {"good", "absent"});
  std::map<std::string, PluginListing> by_name;
  std::vector<std::string> names;
  for (const auto& listing : listings) {
    names.push_back(listing.name);
    by_name.emplace(listing.name, listing);
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));

  ASSERT_TRUE(by_name.contains("good"));
  const auto& good = by_name.at("good");
  EXPECT_TRUE(good.enabled);
  EXPECT_TRUE(good.error.empty()) << good.error;
  EXPECT_EQ(good.info.version, "1.2.3");
  EXPECT_EQ(good.info.description, "Test plugin that behaves");
  EXPECT_EQ(good.path, plugin_dir() / "libgood.so");

  ASSERT_TRUE(by_name.contains("factory_throws"));
  EXPECT_FALSE(by_name.at("factory_throws").enabled);
  EXPECT_TRUE(by_name.at("factory_throws").error.empty()) << "listing must not create plugins";

  ASSERT_TRUE(by_name.contains("wrong_major"));
  EXPECT_NE(by_name.at("wrong_major").error.find("ABI version"), std::string::npos);
  ASSERT_TRUE(by_name.contains("not_a_library"));
  EXPECT_NE(by_name.at("not_a_library").error.find("cannot be loaded"), std::string::npos);
  ASSERT_TRUE(by_name.contains("missing_export"));
  EXPECT_NE(by_name.at("missing_export").error.find("proxy_plugin_create"), std::string::npos);
}

}  // namespace
}  // namespace proxy::host
