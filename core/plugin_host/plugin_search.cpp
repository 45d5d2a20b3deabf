#include "plugin_host/plugin_search.hpp"

#include <algorithm>
#include <system_error>

namespace proxy::host {

std::vector<std::string> plugin_file_names(std::string_view name) {
  return {"lib" + std::string(name) + ".so", std::string(name) + ".so"};
}

bool valid_plugin_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::optional<std::filesystem::path> find_plugin_file(
    std::string_view name, const std::vector<std::filesystem::path>& dirs) {
  const auto names = plugin_file_names(name);
  for (const auto& dir : dirs) {
    for (const auto& file_name : names) {
      std::error_code ec;
      const auto candidate = dir / file_name;
      if (std::filesystem::is_regular_file(candidate, ec)) {
        return candidate;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> plugin_name_of(const std::filesystem::path& file) {
  if (file.extension() != ".so") {
    return std::nullopt;
  }
  std::string stem = file.stem().string();
  if (stem.starts_with("lib") && stem.size() > 3) {
    stem.erase(0, 3);
  }
  if (!valid_plugin_name(stem)) {
    return std::nullopt;
  }
  return stem;
}

}  // namespace proxy::host
