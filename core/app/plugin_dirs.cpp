#include "app/plugin_dirs.hpp"

#include <algorithm>
#include <system_error>

#include "app/install_layout.hpp"

namespace proxy::app {

namespace fs = std::filesystem;

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

std::optional<fs::path> find_default_config(const fs::path& exe_dir,
                                            std::vector<fs::path>& searched) {
  const fs::path candidates[] = {
      fs::current_path() / "config" / "default.yaml",
      exe_dir.parent_path() / install_config_dir / "default.yaml",
  };
  for (const auto& candidate : candidates) {
    searched.push_back(candidate);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::vector<fs::path> plugin_search_dirs(const std::vector<fs::path>& configured,
                                         const fs::path& exe_dir) {
  std::vector<fs::path> dirs;
  auto add = [&dirs](const fs::path& dir) {
    const fs::path normal = dir.lexically_normal();
    if (std::find(dirs.begin(), dirs.end(), normal) == dirs.end()) {
      dirs.push_back(normal);
    }
  };
  for (const auto& dir : configured) {
    add(dir);
  }
  add(exe_dir / "plugins");
  add(exe_dir.parent_path() / install_plugin_dir);
  return dirs;
}

}  // namespace proxy::app
