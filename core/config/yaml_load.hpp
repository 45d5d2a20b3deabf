#pragma once

#include <filesystem>

#include "config/yaml_tree.hpp"

namespace proxy::config {

// Reads and parses one YAML file into a tree tagged with the file's name. An empty file
// (or one with only comments) gives an empty map. Throws ConfigError when the file cannot
// be read, the YAML is malformed or the top level is not a map.
YamlNode load_yaml_file(const std::filesystem::path& file);

// Same for YAML text; file is only used to label nodes and errors.
YamlNode load_yaml_text(const std::string& text, const std::string& file);

}  // namespace proxy::config
