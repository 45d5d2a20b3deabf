#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_host/core_counters.hpp"
#include "plugin_host/endpoint_registry.hpp"
#include "plugin_host/plugin_info.hpp"
#include "proxy/sdk/abi.h"

namespace proxy::host {

class HostContext;
class PluginLibrary;
class TimerService;

// The hook points, as the core names them.
enum class HookPoint : std::size_t { accept, request, sni, bytes, response, close, connection_end };
inline constexpr std::size_t hook_point_count = 7;

// One created plugin instance, as the data path uses it.
struct LoadedPlugin {
  std::string name;  // as listed in plugins.enabled
  std::filesystem::path path;
  PluginInfo info;
  proxy_hook_table hooks{};  // entries are null for hooks the plugin did not declare
  void* self = nullptr;      // the instance: first argument of every hook

  bool has(HookPoint hook) const;
};

// Loads the enabled plugins, owns their libraries and instances, and tears them down in
// the one safe order: timers cancelled, instances destroyed newest first, and only then
// libraries unloaded (code must stay mapped while any object it made is alive).
//
// @par Thread Safety
// load() and shutdown() on one thread, while no hook runs. In between everything is
// immutable, so the data path reads it from every io thread.
class PluginRegistry {
 public:
  // `timers` must outlive the registry; it is cancelled (cancel_all) at shutdown.
  // `host_version` is what plugins read as the proxy's version.
  // The folder plugins take relative paths in their settings from (before load()).
  void set_config_dir(std::string dir) { config_dir_ = std::move(dir); }
  // `worker_count`: the io threads that will run hooks, told to plugins at creation.
  explicit PluginRegistry(TimerService& timers, std::string host_version = {},
                          std::uint32_t worker_count = 1);
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;
  ~PluginRegistry();

  // Loads and creates the plugins `enabled` names, in that order; each is looked up as
  // lib<name>.so then <name>.so in `dirs`, in order. `settings_json` maps a plugin name to
  // its plugins.settings.<name> as JSON text ("{}" when absent). Call once.
  // Throws PluginError; whatever was created is destroyed again before it propagates.
  void load(const std::vector<std::string>& enabled, const std::vector<std::filesystem::path>& dirs,
            const std::map<std::string, std::string>& settings_json);

  // Cancels timers, destroys instances (newest first), then unloads libraries. Idempotent;
  // the destructor calls it.
  void shutdown();

  // In plugins.enabled order.
  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const LoadedPlugin* find(std::string_view name) const;
  // The plugins that declared `hook`, in plugins.enabled order.
  const std::vector<const LoadedPlugin*>& with_hook(HookPoint hook) const {
    return hooked_[static_cast<std::size_t>(hook)];
  }

  // The HTTP parser of the first enabled plugin providing it; nullptr when none does.
  const proxy_http_parser_api* http_parser() const { return http_parser_; }
  const LoadedPlugin* http_parser_plugin() const { return http_parser_plugin_; }
  // Throws PluginError(no_http_parser) when no enabled plugin provides the parser.
  void require_http_parser() const;

  // The longest wait for a tunnel's first bytes any plugin asked for; zero when none did.
  std::chrono::milliseconds sni_peek_timeout() const { return sni_peek_timeout_; }

  // Live counters the core updates and plugins read (host->get_stats). Not
  // configuration, so they stay writable through a const registry.
  CoreCounters& counters() const { return *counters_; }
  // Counts into `counters` (which must outlive the registry) instead of its own: the
  // process's, shared by every configuration generation (before load()).
  void use_counters(CoreCounters& counters) { counters_ = &counters; }

  // Admin routes the plugins registered; sealed once load() returns.
  const EndpointRegistry& endpoints() const { return endpoints_; }

 private:
  void load_one(const std::string& name, const std::vector<std::filesystem::path>& dirs,
                const std::string& settings_json);
  void index_hooks();

  TimerService& timers_;
  const std::string host_version_;  // plugins keep views of it: declared before them
  const std::uint32_t worker_count_;
  std::string config_dir_;
  mutable CoreCounters own_counters_;
  CoreCounters* counters_ = &own_counters_;
  EndpointRegistry endpoints_;
  // Index-aligned: libraries_[i] made plugins_[i] through contexts_[i]. libraries_ and
  // contexts_ may hold one extra entry while a plugin is being created.
  std::vector<std::unique_ptr<PluginLibrary>> libraries_;
  std::vector<std::unique_ptr<HostContext>> contexts_;
  std::vector<proxy_plugin_destroy_fn> destroyers_;
  std::vector<LoadedPlugin> plugins_;
  std::array<std::vector<const LoadedPlugin*>, hook_point_count> hooked_;
  std::vector<std::string> enabled_;
  const proxy_http_parser_api* http_parser_ = nullptr;
  const LoadedPlugin* http_parser_plugin_ = nullptr;
  std::chrono::milliseconds sni_peek_timeout_{0};
  bool loaded_ = false;
};

}  // namespace proxy::host
