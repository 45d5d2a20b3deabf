#pragma once

#include <filesystem>
#include <optional>
#include <vector>

namespace proxy::app {

// The folder holding the running binary.
std::filesystem::path executable_dir();

// config/default.yaml in the working directory, else the installed copy beside the
// binary (<prefix>/share/proxy-server/config); nullopt when neither exists. `searched`
// receives every path tried, for the error message.
std::optional<std::filesystem::path> find_default_config(
    const std::filesystem::path& exe_dir, std::vector<std::filesystem::path>& searched);

// The configured plugin folders (already resolved against the config file's folder),
// then the binary's own: <bin>/plugins (build tree) and <prefix>/lib/proxy-server/plugins
// (installed). Duplicates removed, order kept.
std::vector<std::filesystem::path> plugin_search_dirs(
    const std::vector<std::filesystem::path>& configured, const std::filesystem::path& exe_dir);

}  // namespace proxy::app
