#pragma once

#include <string>
#include <string_view>

#include "proxy/sdk/abi.h"

namespace proxy::host {

struct CoreCounters;
class EndpointRegistry;
class TimerService;

// Services every plugin shares; owned by the registry, outliving every plugin instance.
struct HostServices {
  TimerService* timers = nullptr;          // null: schedule() cancels at once
  EndpointRegistry* endpoints = nullptr;   // null: register_endpoint() is refused
  const CoreCounters* counters = nullptr;  // null: get_stats() reports zeros
  std::string_view version;                // the proxy's version; must outlive the plugins
  std::uint32_t worker_count = 1;          // io threads that run hooks
};

// What `proxy_host_api::host` points to for one plugin: its name, for log lines and
// endpoint ownership, and the shared services. The proxy_host_api it builds lives here,
// so it stays valid as long as the plugin instance (the SDK keeps the pointer).
//
// @par Thread Safety
// Immutable after construction except last_refusal(), which is only touched while the
// plugin is created.
class HostContext {
 public:
  HostContext(std::string plugin, HostServices services);
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;

  const std::string& plugin() const { return plugin_; }
  const HostServices& services() const { return services_; }
  const proxy_host_api* api() const { return &api_; }

  // Why the plugin's last register_endpoint() was refused; the plugin itself only learns
  // "refused", so the loader adds this to its error message.
  const std::string& last_refusal() const { return last_refusal_; }
  void set_last_refusal(std::string why) { last_refusal_ = std::move(why); }

 private:
  std::string plugin_;
  HostServices services_;
  std::string last_refusal_;
  proxy_host_api api_{};
};

// The current level of spdlog's default logger as a proxy_log_level ("off" reads as
// critical: the C enum has no "off", and the host drops what spdlog filters anyway).
proxy_log_level current_log_level();

}  // namespace proxy::host
