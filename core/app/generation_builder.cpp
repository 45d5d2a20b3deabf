#include "app/generation_builder.hpp"

#include <map>
#include <string>

#include "app/io_pool.hpp"
#include "app/plugin_dirs.hpp"
#include "app/version.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace proxy::app {
namespace {

std::map<std::string, std::string> settings_as_json(const config::Config& config) {
  std::map<std::string, std::string> out;
  for (const auto& [name, settings] : config.plugins.settings) {
    out.emplace(name, settings.dump());
  }
  return out;
}

}  // namespace

std::unique_ptr<core::Generation> build_generation(std::uint64_t number, config::Config config,
                                                   const GenerationInputs& inputs) {
  auto generation = std::make_unique<core::Generation>(number, std::move(config), *inputs.timers);
  const config::Config& frozen = generation->config;
  auto registry = std::make_unique<host::PluginRegistry>(
      generation->timers, version,
      static_cast<std::uint32_t>(IoPool::resolve_workers(frozen.server.workers)));
  if (inputs.counters != nullptr) {
    registry->use_counters(*inputs.counters);
  }
  if (!frozen.files.empty()) {
    registry->set_config_dir(
        std::filesystem::absolute(frozen.files.front()).parent_path().string());
  }
  registry->load(frozen.plugins.enabled, plugin_search_dirs(frozen.plugins.dirs, inputs.exe_dir),
                 settings_as_json(frozen));
  registry->require_http_parser();
  generation->parser = registry->http_parser();
  generation->registry = std::move(registry);
  if (inputs.local != nullptr) {
    generation->destinations =
        std::make_unique<core::DestinationPolicy>(frozen.upstream, *inputs.local);
    if (inputs.self) {
      generation->destinations->set_self(*inputs.self);
    }
  }
  return generation;
}

}  // namespace proxy::app
