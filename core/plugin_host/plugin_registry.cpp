#include "plugin_host/plugin_registry.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "plugin_host/host_api.hpp"
#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_library.hpp"
#include "plugin_host/plugin_search.hpp"
#include "plugin_host/timer_service.hpp"

namespace proxy::host {
namespace {

constexpr std::size_t error_capacity = 1024;

std::string join_dirs(const std::vector<std::filesystem::path>& dirs) {
  if (dirs.empty()) {
    return "no plugin folders configured";
  }
  std::string out = "searched: ";
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    out += (i == 0 ? "" : ", ") + dirs[i].string();
  }
  return out;
}

// Copies the plugin's table into one of this host's size, zero-filled: an older plugin's
// shorter table simply lacks the hooks added since.
proxy_hook_table copy_hook_table(const proxy_hook_table& table) {
  proxy_hook_table out{};
  std::memcpy(&out, &table, std::min(table.size, sizeof(out)));
  out.size = sizeof(out);
  return out;
}

const proxy_http_parser_api* query_http_parser(const LoadedPlugin& plugin) {
  if (plugin.hooks.get_capability == nullptr) {
    return nullptr;
  }
  constexpr std::string_view capability = PROXY_CAPABILITY_HTTP_PARSER;
  const void* api =
      plugin.hooks.get_capability(plugin.self, {capability.data(), capability.size()});
  if (api == nullptr) {
    return nullptr;
  }
  const auto* parser = static_cast<const proxy_http_parser_api*>(api);
  if (parser->size < sizeof(proxy_http_parser_api)) {
    spdlog::warn("[{}] offers an HTTP parser this host cannot use (API struct too small)",
                 plugin.name);
    return nullptr;
  }
  return parser;
}

}  // namespace

bool LoadedPlugin::has(HookPoint hook) const {
  switch (hook) {
    case HookPoint::accept:
      return hooks.on_accept != nullptr;
    case HookPoint::request:
      return hooks.on_request != nullptr;
    case HookPoint::sni:
      return hooks.on_sni != nullptr;
    case HookPoint::bytes:
      return hooks.on_bytes != nullptr;
    case HookPoint::response:
      return hooks.on_response != nullptr;
    case HookPoint::close:
      return hooks.on_close != nullptr;
    case HookPoint::connection_end:
      return hooks.on_connection_end != nullptr;
  }
  return false;
}

PluginRegistry::PluginRegistry(TimerService& timers, std::string host_version,
                               std::uint32_t worker_count)
    : timers_(timers), host_version_(std::move(host_version)), worker_count_(worker_count) {}

PluginRegistry::~PluginRegistry() {
  shutdown();
}

void PluginRegistry::load(const std::vector<std::string>& enabled,
                          const std::vector<std::filesystem::path>& dirs,
                          const std::map<std::string, std::string>& settings_json) {
  if (loaded_) {
    throw std::logic_error("PluginRegistry::load called twice");
  }
  loaded_ = true;
  enabled_ = enabled;
  try {
    plugins_.reserve(enabled.size());
    for (const auto& name : enabled) {
      const auto settings = settings_json.find(name);
      load_one(name, dirs, settings == settings_json.end() ? std::string("{}") : settings->second);
    }
  } catch (...) {
    shutdown();
    throw;
  }
  endpoints_.seal();
  index_hooks();
  for (const auto& plugin : plugins_) {
    if (plugin.has(HookPoint::sni)) {
      // Capped at an hour: a plugin's wild value must not overflow the deadline.
      constexpr std::uint64_t longest_ms = 3'600'000;
      sni_peek_timeout_ = std::max(
          sni_peek_timeout_,
          std::chrono::milliseconds(std::min(plugin.hooks.sni_peek_timeout_ms, longest_ms)));
    }
  }
  for (const auto& plugin : plugins_) {
    if (const auto* parser = query_http_parser(plugin)) {
      http_parser_ = parser;
      http_parser_plugin_ = &plugin;
      break;
    }
  }
}

void PluginRegistry::load_one(const std::string& name,
                              const std::vector<std::filesystem::path>& dirs,
                              const std::string& settings_json) {
  if (!valid_plugin_name(name)) {
    throw PluginError(PluginErrorKind::not_found, name,
                      "plugin '" + name +
                          "': not a valid plugin name (letters, digits, '_', "
                          "'-' and '.' only)");
  }
  const auto path = find_plugin_file(name, dirs);
  if (!path) {
    throw PluginError(PluginErrorKind::not_found, name,
                      "plugin '" + name + "': no lib" + name + ".so or " + name +
                          ".so in any plugin folder (" + join_dirs(dirs) + ")");
  }

  libraries_.push_back(std::make_unique<PluginLibrary>(name, *path));
  const PluginLibrary& library = *libraries_.back();
  contexts_.push_back(std::make_unique<HostContext>(
      name, HostServices{&timers_, &endpoints_, counters_, host_version_, worker_count_}));
  HostContext& context = *contexts_.back();

  proxy_plugin_config config{};
  config.size = sizeof(config);
  config.name = {name.data(), name.size()};
  config.settings_json = {settings_json.data(), settings_json.size()};
  config.config_dir = {config_dir_.data(), config_dir_.size()};
  proxy_plugin_instance instance{};
  instance.size = sizeof(instance);
  char error[error_capacity] = {};

  const std::uint32_t result =
      library.create_fn()(context.api(), &config, &instance, error, sizeof(error));
  // The plugin promises NUL termination; do not trust it with the last byte.
  error[sizeof(error) - 1] = '\0';
  const std::string message = one_line(error);
  const std::string who = describe_plugin(name, *path);

  if (result == PROXY_CREATE_SETTINGS_REJECTED) {
    throw PluginError(PluginErrorKind::settings_rejected, name,
                      who + ": invalid settings: " +
                          (message.empty() ? "plugins.settings." + name + " rejected" : message));
  }
  if (result != PROXY_CREATE_OK) {
    std::string text =
        who + ": failed to start: " + (message.empty() ? "no reason given" : message);
    if (!context.last_refusal().empty()) {
      text += " (" + context.last_refusal() + ")";
    }
    throw PluginError(PluginErrorKind::factory_failed, name, text);
  }
  if (instance.self == nullptr || instance.hooks == nullptr) {
    // Created something, but nothing we can call or destroy safely: leave it.
    throw PluginError(PluginErrorKind::factory_failed, name,
                      who + ": failed to start: it returned no instance or no hook table");
  }

  LoadedPlugin plugin;
  plugin.name = name;
  plugin.path = *path;
  plugin.info = library.info();
  plugin.hooks = copy_hook_table(*instance.hooks);
  plugin.self = instance.self;
  plugins_.push_back(std::move(plugin));
  destroyers_.push_back(library.destroy_fn());
  spdlog::debug("[{}] loaded {} {} from {}", name, plugins_.back().info.name,
                plugins_.back().info.version, path->string());
}

void PluginRegistry::index_hooks() {
  for (auto& list : hooked_) {
    list.clear();
  }
  for (const auto& plugin : plugins_) {
    for (std::size_t hook = 0; hook < hook_point_count; ++hook) {
      if (plugin.has(static_cast<HookPoint>(hook))) {
        hooked_[hook].push_back(&plugin);
      }
    }
  }
}

void PluginRegistry::shutdown() {
  // Nothing may reach plugin code once its instance is gone.
  endpoints_.clear();
  for (auto& list : hooked_) {
    list.clear();
  }
  http_parser_ = nullptr;
  http_parser_plugin_ = nullptr;

  if (!libraries_.empty()) {
    // A timer fn runs plugin code and may use the instance: every one has run (cancelled)
    // before the first instance goes, and before any code is unmapped.
    timers_.cancel_all();
  }
  while (!plugins_.empty()) {
    const LoadedPlugin& plugin = plugins_.back();
    try {
      destroyers_.back()(plugin.self);
    } catch (...) {
      spdlog::error("[{}] destroy let an exception escape", plugin.name);
    }
    destroyers_.pop_back();
    plugins_.pop_back();
  }
  contexts_.clear();
  while (!libraries_.empty()) {
    libraries_.pop_back();
  }
}

const LoadedPlugin* PluginRegistry::find(std::string_view name) const {
  for (const auto& plugin : plugins_) {
    if (plugin.name == name) {
      return &plugin;
    }
  }
  return nullptr;
}

void PluginRegistry::require_http_parser() const {
  if (http_parser_ != nullptr) {
    return;
  }
  std::string names;
  for (const auto& name : enabled_) {
    names += (names.empty() ? "" : ", ") + name;
  }
  throw PluginError(PluginErrorKind::no_http_parser, {},
                    "no enabled plugin provides the HTTP parser (plugins.enabled: [" + names +
                        "]); enable 'http_parser' or another plugin that provides it");
}

}  // namespace proxy::host
