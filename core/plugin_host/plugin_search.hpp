#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proxy::host {

// The file names tried for plugin `name` in each folder, in order: the name CMake gives a
// MODULE library first, then the bare name some build systems produce.
std::vector<std::string> plugin_file_names(std::string_view name);

// Letters, digits, '_' and '-': what plugins.enabled accepts, and what --list-plugins
// shows. A file-name stem that cannot reach outside the plugin folders.
bool valid_plugin_name(std::string_view name);

// The first existing candidate, folder by folder in the order given.
std::optional<std::filesystem::path> find_plugin_file(
    std::string_view name, const std::vector<std::filesystem::path>& dirs);

// The plugin name a file in a plugin folder would be enabled as ("libx.so" and "x.so"
// give "x"), or nothing when the file is not named like a plugin.
std::optional<std::string> plugin_name_of(const std::filesystem::path& file);

}  // namespace proxy::host
