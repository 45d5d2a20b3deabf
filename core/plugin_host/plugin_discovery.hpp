#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plugin_host/plugin_info.hpp"

namespace proxy::host {

// One plugin file found in the plugin folders, for --list-plugins.
struct PluginListing {
  std::string name;  // the name to put in plugins.enabled
  std::filesystem::path path;
  PluginInfo info;  // empty when the file could not be opened
  bool enabled = false;
  std::string error;  // why it cannot be loaded (one line); empty when it can
};

// Opens every lib*.so / *.so in `dirs` far enough to read its info (the ABI version is
// checked first; nothing is created), sorted by name. When several folders hold the same
// name, the one load() would pick is listed. Folders that do not exist are skipped.
// Never throws for a broken plugin: its listing carries the error instead.
std::vector<PluginListing> discover_plugins(const std::vector<std::filesystem::path>& dirs,
                                            const std::vector<std::string>& enabled);

}  // namespace proxy::host
