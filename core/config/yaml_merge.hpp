#pragma once

#include "config/yaml_tree.hpp"

namespace proxy::config {

// Merges overlay into base: maps merge key by key, recursively; scalars and lists are
// replaced whole (so a later file can shorten a list); a null overlay leaves a map as it
// was (an empty `server:` section changes nothing). Every node keeps the file and line
// it came from, so errors found after merging still point at the right file.
void merge_into(YamlNode& base, YamlNode overlay);

}  // namespace proxy::config
