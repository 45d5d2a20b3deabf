#include "config/config_files.hpp"

#include <system_error>

namespace proxy::config {
namespace {

constexpr const char* kOverrideName = "override.yaml";

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code error;
  const bool equivalent = std::filesystem::equivalent(a, b, error);
  if (!error) {
    return equivalent;
  }
  // One of them does not exist: fall back to comparing the spelled paths.
  return std::filesystem::absolute(a, error).lexically_normal() ==
         std::filesystem::absolute(b, error).lexically_normal();
}

}  // namespace

std::vector<std::filesystem::path> config_files_to_load(
    const std::vector<std::filesystem::path>& cli_files,
    const std::filesystem::path& default_file) {
  if (cli_files.size() > 1) {
    return cli_files;
  }
  const std::filesystem::path base = cli_files.empty() ? default_file : cli_files.front();
  std::vector<std::filesystem::path> files{base};
  const std::filesystem::path override_file = base.parent_path() / kOverrideName;
  std::error_code error;
  if (std::filesystem::is_regular_file(override_file, error) && !same_file(base, override_file)) {
    files.push_back(override_file);
  }
  return files;
}

}  // namespace proxy::config
