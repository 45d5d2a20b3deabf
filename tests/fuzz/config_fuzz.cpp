// Fuzz target for the config loader (core/config): arbitrary bytes as the text of one
// config file, through the same steps as load_config (YAML -> tree -> merge -> validated
// Config).
//
// Every input must either give a Config or throw ConfigError with a one-line message
// naming the file; anything else escaping is a crash. A Config must be usable as the host
// uses it (each plugin's settings as JSON text) and keep what --print-config promises: its
// printed form loads again to an equal Config.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "config/config.hpp"
#include "config/config_parse.hpp"
#include "config/yaml_load.hpp"
#include "config/yaml_merge.hpp"
#include "fuzz_check.hpp"

namespace {

using proxy::fuzz::check;
namespace config = proxy::config;

// An absolute name: relative plugins.dirs are resolved against its folder.
constexpr const char* file_name = "/fuzz/config.yaml";

config::Config load_text(const std::string& text) {
  config::YamlNode merged;
  merged.kind = config::YamlNode::Kind::map;
  config::merge_into(merged, config::load_yaml_text(text, file_name));
  return config::parse_config(merged);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  config::Config loaded;
  try {
    loaded = load_text(text);
  } catch (const config::ConfigError& error) {
    const std::string what = error.what();
    check(what.find_first_of("\r\n") == std::string::npos, "a config error spans lines");
    check(what.rfind(file_name, 0) == 0, "a config error does not name the file");
    return 0;
  }

  // What the host hands each plugin; it throws on what JSON text cannot carry.
  for (const auto& [name, settings] : loaded.plugins.settings) {
    check(!settings.dump().empty(), "plugin settings without JSON text");
  }

  const std::string printed = config::print_config(loaded);
  config::Config again;
  try {
    again = load_text(printed);
  } catch (const config::ConfigError& error) {
    std::fprintf(stderr, "printed config:\n%s\nerror: %s\n", printed.c_str(), error.what());
    check(false, "the printed config does not load");
  }
  if (!(again == loaded)) {
    std::fprintf(stderr, "printed config:\n%s\n", printed.c_str());
    check(false, "the printed config loads to a different config");
  }
  return 0;
}
