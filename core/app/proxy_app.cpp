#include "app/proxy_app.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "app/asio_timer_service.hpp"
#include "app/descriptor_limit.hpp"
#include "app/exit_codes.hpp"
#include "app/io_pool.hpp"
#include "app/listener.hpp"
#include "app/logging.hpp"
#include "app/plugin_dirs.hpp"
#include "app/version.hpp"
#include "config/config.hpp"
#include "connection/proxy_context.hpp"
#include "connection/session.hpp"
#include "connection/session_tracker.hpp"
#include "dns/resolver_service.hpp"
#include "plugin_host/hook_call.hpp"
#include "plugin_host/hook_watchdog.hpp"
#include "plugin_host/plugin_discovery.hpp"
#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace proxy::app {
namespace {

namespace fs = std::filesystem;

void print_error(const std::string& message) {
  std::fprintf(stderr, "proxy-server: %s\n", message.c_str());
}

// The files --config names, or the default config when it names none.
std::vector<fs::path> config_files(const CliOptions& options, const fs::path& exe_dir) {
  fs::path default_file = "config/default.yaml";
  if (options.config_files.empty()) {
    std::vector<fs::path> searched;
    if (auto found = find_default_config(exe_dir, searched)) {
      default_file = *found;
    } else {
      std::string list;
      for (const auto& path : searched) {
        list += (list.empty() ? "" : ", ") + path.string();
      }
      throw config::ConfigError(
          "", "", 0, "no --config given and no default config found (searched " + list + ")");
    }
  }
  return config::config_files_to_load(options.config_files, default_file);
}

std::map<std::string, std::string> settings_as_json(const config::Config& config) {
  std::map<std::string, std::string> out;
  for (const auto& [name, settings] : config.plugins.settings) {
    out.emplace(name, settings.dump());
  }
  return out;
}

int list_plugins(const std::vector<fs::path>& dirs, const config::Config& config) {
  const auto listings = host::discover_plugins(dirs, config.plugins.enabled);
  for (const auto& listing : listings) {
    std::printf("%-16s %-10s %-9s %s%s\n", listing.name.c_str(),
                listing.info.version.empty() ? "-" : listing.info.version.c_str(),
                listing.enabled ? "enabled" : "available",
                listing.error.empty() ? listing.info.description.c_str() : "error: ",
                listing.error.c_str());
  }
  if (listings.empty()) {
    std::printf("no plugins found\n");
  }
  for (const auto& dir : dirs) {
    std::printf("# searched %s\n", dir.c_str());
  }
  return exit_ok;
}

// Runs the proxy until SIGINT or SIGTERM: then it stops accepting, lets in-flight work
// finish for up to shutdown_grace, and stops what is left.
int serve(const config::Config& config, host::PluginRegistry& registry,
          host::TimerService& timers) {
  // Declared before the pool, so they outlive every session the pool's contexts
  // still hold when they are destroyed.
  const DescriptorFit descriptors = fit_descriptor_limit(config.server.max_connections);
  if (descriptors.max_connections < config.server.max_connections) {
    spdlog::warn(
        "server.max_connections {} needs {} file descriptors but the hard limit allows {}: "
        "serving at most {} connections (raise LimitNOFILE / ulimit -Hn)",
        config.server.max_connections, descriptors.needed, descriptors.soft_limit,
        descriptors.max_connections);
  }
  core::ProxyContext proxy(config, registry, descriptors.max_connections);
  std::vector<core::SessionTracker> trackers;
  IoPool pool(config.server.workers);
  trackers.resize(pool.size());
  for (std::size_t i = 0; i < pool.size(); ++i) {
    core::dns::install_resolver(pool.context(i), config.upstream.dns, proxy.dns_cache,
                                registry.counters());
  }
  asio::io_context main_context(1);

  // Before anything announces readiness: a signal from then on must mean a clean stop.
  asio::signal_set signals(main_context, SIGINT, SIGTERM);

  Listener listener(main_context, pool, config.server.listen, config.server.port,
                    [&](tcp::socket socket, std::size_t worker) {
                      // The session lives on the worker that owns the socket, for life.
                      const auto executor = socket.get_executor();
                      asio::post(executor, [&, worker, s = std::move(socket)]() mutable {
                        std::make_shared<core::Session>(proxy, trackers[worker], std::move(s),
                                                        static_cast<std::uint32_t>(worker))
                            ->start();
                      });
                    });
  const tcp::endpoint bound = listener.local_endpoint();
  proxy.destinations.set_self(core::SelfEndpoint{bound.address(), bound.port()});
  spdlog::info("listening on {}:{} with {} worker thread(s)", bound.address().to_string(),
               bound.port(), pool.size());

  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) {
      return;
    }
    spdlog::info("received signal {}: stopping (grace {} ms)", signal_number,
                 config.server.shutdown_grace.count());
    listener.stop();
    proxy.stopping.store(true);
    for (std::size_t i = 0; i < pool.size(); ++i) {
      asio::post(pool.context(i), [&tracker = trackers[i]] { tracker.stop_all(); });
    }
  });

  host::HookWatchdog watchdog(pool.size());
  pool.start([&watchdog](std::size_t worker) { watchdog.bind_current_thread(worker); });
  listener.start();
  main_context.run();

  pool.release();
  if (!pool.wait_for(config.server.shutdown_grace)) {
    spdlog::warn("shutdown grace passed: closing what is left");
    pool.stop();
  }
  pool.join();
  for (auto& tracker : trackers) {
    tracker.release_timer();  // its io_context is about to go
  }
  for (std::size_t i = 0; i < pool.size(); ++i) {
    core::dns::remove_resolver(pool.context(i));  // c-ares sockets and timers, likewise
  }
  // No io thread runs now, but the contexts still exist: before they go, nothing a plugin
  // does later (a timer, its own thread completing a deferral) may reach them.
  if (const std::size_t abandoned = host::Deferral::cancel_all_pending()) {
    spdlog::info("{} deferred decision(s) still pending at shutdown were cancelled", abandoned);
  }
  timers.cancel_all();
  spdlog::info("stopped");
  return exit_ok;
}

}  // namespace

int run_app(const CliOptions& options) {
  if (options.command == Command::help) {
    std::fputs(usage_text().c_str(), stdout);
    return exit_ok;
  }
  if (options.command == Command::version) {
    std::printf("proxy-server %s (plugin ABI %d.%d)\n", version, PROXY_SDK_ABI_VERSION_MAJOR,
                PROXY_SDK_ABI_VERSION_MINOR);
    return exit_ok;
  }

  const fs::path exe_dir = executable_dir();
  config::Config config;
  try {
    config = config::load_config(config_files(options, exe_dir));
  } catch (const config::ConfigError& e) {
    print_error(e.what());
    return exit_usage_error;
  }
  setup_logging(options.log_level.value_or(config.logging.level));

  if (options.command == Command::print_config) {
    std::fputs(config::print_config(config).c_str(), stdout);
    return exit_ok;
  }
  const std::vector<fs::path> dirs = plugin_search_dirs(config.plugins.dirs, exe_dir);
  if (options.command == Command::list_plugins) {
    return list_plugins(dirs, config);
  }

  AsioTimerService timers;
  host::PluginRegistry registry(
      timers, version, static_cast<std::uint32_t>(IoPool::resolve_workers(config.server.workers)));
  if (!config.files.empty()) {
    registry.set_config_dir(fs::absolute(config.files.front()).parent_path().string());
  }
  try {
    registry.load(config.plugins.enabled, dirs, settings_as_json(config));
    registry.require_http_parser();
  } catch (const host::PluginError& e) {
    print_error(e.what());
    return exit_usage_error;
  }

  for (const auto& plugin : registry.plugins()) {
    spdlog::debug("loaded plugin {} {} from {}", plugin.name, plugin.info.version,
                  plugin.path.string());
  }

  if (options.command == Command::check_config) {
    std::string plugins;
    for (const auto& plugin : registry.plugins()) {
      plugins += (plugins.empty() ? "" : ", ") + plugin.name + " " + plugin.info.version;
    }
    std::printf("config OK; plugins: %s\n", plugins.c_str());
    return exit_ok;
  }

  try {
    return serve(config, registry, timers);
  } catch (const boost::system::system_error& e) {
    print_error("cannot listen on " + config.server.listen + ":" +
                std::to_string(config.server.port) + ": " + e.code().message());
    return exit_runtime_error;
  }
}

}  // namespace proxy::app
