#pragma once

#include <filesystem>
#include <vector>

namespace proxy::config {

// Which files to merge, in order:
//  - no --config: default_file, then override.yaml beside it when present;
//  - one --config: that file, then override.yaml in its folder when present and not the
//    same file;
//  - several: exactly those, in the order given (the same file twice is merged twice).
std::vector<std::filesystem::path> config_files_to_load(
    const std::vector<std::filesystem::path>& cli_files, const std::filesystem::path& default_file);

}  // namespace proxy::config
