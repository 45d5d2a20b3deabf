#include "config/config.hpp"
#include "config/config_parse.hpp"
#include "config/yaml_load.hpp"
#include "config/yaml_merge.hpp"

namespace proxy::config {

Config load_config(const std::vector<std::filesystem::path>& files) {
  YamlNode merged;
  merged.kind = YamlNode::Kind::map;
  for (const std::filesystem::path& file : files) {
    merge_into(merged, load_yaml_file(file));
  }
  Config config = parse_config(merged);
  config.files = files;
  return config;
}

}  // namespace proxy::config
