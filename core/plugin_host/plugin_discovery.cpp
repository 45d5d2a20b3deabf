#include "plugin_host/plugin_discovery.hpp"

#include <algorithm>
#include <map>
#include <system_error>

#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_library.hpp"
#include "plugin_host/plugin_search.hpp"

namespace proxy::host {

std::vector<PluginListing> discover_plugins(const std::vector<std::filesystem::path>& dirs,
                                            const std::vector<std::string>& enabled) {
  // Which file load() would pick for each name: first folder, then lib<name>.so first.
  std::map<std::string, std::filesystem::path> chosen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::error_code type_ec;
      if (entry.is_regular_file(type_ec)) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      const auto name = plugin_name_of(file);
      if (!name || chosen.contains(*name)) {
        continue;
      }
      if (auto picked = find_plugin_file(*name, {dir})) {
        chosen.emplace(*name, *picked);
      }
    }
  }

  std::vector<PluginListing> out;
  out.reserve(chosen.size());
  for (const auto& [name, path] : chosen) {
    PluginListing listing;
    listing.name = name;
    listing.path = path;
    listing.enabled = std::find(enabled.begin(), enabled.end(), name) != enabled.end();
    try {
      const PluginLibrary library(name, path);
      listing.info = library.info();
    } catch (const PluginError& e) {
      listing.error = e.what();
    } catch (const std::exception& e) {
      listing.error = one_line(e.what());
    }
    out.push_back(std::move(listing));
  }
  return out;
}

}  // namespace proxy::host
