#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "config/yaml_tree.hpp"

namespace proxy::config {

// Converts a YAML subtree to JSON for plugin settings, resolving plain scalars by the
// YAML 1.2 core schema: decimal/0x/0o integers stay integers, decimals floats,
// true/false booleans, ~/null null; quoted scalars are always strings. yes/no/on/off stay
// strings (YAML 1.1 booleans surprise people). path is the dotted key path for errors.
// Throws ConfigError for values JSON cannot hold (out-of-range integers, .inf, .nan).
nlohmann::json yaml_to_json(const YamlNode& node, const std::string& path);

// True when a plain scalar with this text would be read back as something other than a
// string (null, boolean or number), i.e. when printing it needs quotes.
bool plain_scalar_is_typed(const std::string& text);

// True for the YAML 1.2 core boolean spellings (true, True, TRUE, false, ...).
bool is_yaml_bool(const std::string& text);

}  // namespace proxy::config
