#pragma once

#include "config/config.hpp"
#include "config/yaml_tree.hpp"

namespace proxy::config {

// Turns the merged tree into a typed Config, checking every key, type and range of the
// core schema. plugins.settings.<name> is converted to JSON but not checked: each plugin
// validates its own settings. Throws ConfigError at the first problem.
Config parse_config(const YamlNode& root);

}  // namespace proxy::config
