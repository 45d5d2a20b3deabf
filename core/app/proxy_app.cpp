#include "app/proxy_app.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "app/asio_timer_service.hpp"
#include "app/config_reloader.hpp"
#include "app/descriptor_limit.hpp"
#include "app/exit_codes.hpp"
#include "app/generation_builder.hpp"
#include "app/generation_reaper.hpp"
#include "app/io_pool.hpp"
#include "app/listener.hpp"
#include "app/logging.hpp"
#include "app/plugin_dirs.hpp"
#include "app/reload_check.hpp"
#include "app/service_notifier.hpp"
#include "app/shutdown_sequence.hpp"
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

// What serve() needs besides the startup config.
struct ServeInputs {
  CliOptions options;  // a reload finds the files to read as startup did
  fs::path exe_dir;
  bool log_level_from_cli = false;  // then a reload leaves the level alone
};

// The next generation after `running`: the same files read again, merged and validated
// completely, and every enabled plugin created afresh. Throws with the reason.
std::unique_ptr<core::Generation> reload_generation(const core::Generation& running,
                                                    const ServeInputs& inputs,
                                                    const GenerationInputs& parts) {
  // override.yaml beside the main file may have come or gone since.
  config::Config next = config::load_config(config_files(inputs.options, inputs.exe_dir));
  if (const std::string why = restart_needed(running.config, next); !why.empty()) {
    throw std::runtime_error(why);
  }
  return build_generation(running.number + 1, std::move(next), parts);
}

// Runs the proxy until SIGINT or SIGTERM: then /_ready answers 503, and after
// shutdown_delay it stops accepting, lets in-flight work finish for up to shutdown_grace,
// and stops what is left. SIGHUP reloads the configuration (ConfigReloader).
// `first` counts into `counters` already.
int serve(std::unique_ptr<core::Generation> first, const ServeInputs& inputs,
          host::TimerService& timers, host::CoreCounters& counters) {
  // A copy: generation 1, and its config, go once a reload replaced it and its last
  // connection ended. What is read from this stays for the life of the process.
  const config::Config config = first->config;
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
  core::ProxyContext proxy(config, descriptors.max_connections);
  GenerationReaper reaper;
  GenerationInputs parts{&timers, &counters, &proxy.local_addresses, std::nullopt, inputs.exe_dir};
  first->destinations =
      std::make_unique<core::DestinationPolicy>(first->config.upstream, proxy.local_addresses);
  core::Generation& starting = *first;
  // Only the main thread reads or replaces it; sessions hold their own copy.
  std::shared_ptr<const core::Generation> current = reaper.share(std::move(first));

  std::vector<core::SessionTracker> trackers;
  IoPool pool(config.server.workers);
  trackers.resize(pool.size());
  for (std::size_t i = 0; i < pool.size(); ++i) {
    core::dns::install_resolver(pool.context(i), config.upstream.dns, proxy.dns_cache, counters);
  }
  asio::io_context main_context(1);
  const GenerationReaper::Attachment reaper_on_main = reaper.attach(main_context);

  // Before anything announces readiness: a signal from then on must mean a clean stop,
  // and SIGHUP a reload.
  ShutdownSequence shutdown(main_context);
  ConfigReloader reloader(main_context, counters);

  Listener listener(
      main_context, pool, config.server.listen, config.server.port,
      [&](tcp::socket socket, std::size_t worker) {
        // The session lives on the worker that owns the socket, for life, and
        // on the generation current when it was accepted.
        const auto executor = socket.get_executor();
        asio::post(executor, [&, worker, generation = current, s = std::move(socket)]() mutable {
          std::make_shared<core::Session>(proxy, std::move(generation), trackers[worker],
                                          std::move(s), static_cast<std::uint32_t>(worker))
              ->start();
        });
      });
  const tcp::endpoint bound = listener.local_endpoint();
  parts.self = core::SelfEndpoint{bound.address(), bound.port()};
  starting.destinations->set_self(*parts.self);  // before any session can see it
  spdlog::info("listening on {}:{} with {} worker thread(s), configuration generation {}",
               bound.address().to_string(), bound.port(), pool.size(), current->number);

  ShutdownSequence::Steps steps;
  steps.delay = config.server.shutdown_delay;
  steps.shutdown_begun = &proxy.shutdown_begun;
  steps.on_begin = [&](int signal_number) {
    reloader.stop();
    notify_stopping();
    spdlog::info("received signal {}: stopping (grace {} ms)", signal_number,
                 current->config.server.shutdown_grace.count());
  };
  steps.stop_accepting = [&] {
    listener.stop();
    proxy.stopping.store(true);
    for (std::size_t i = 0; i < pool.size(); ++i) {
      asio::post(pool.context(i), [&tracker = trackers[i]] { tracker.stop_all(); });
    }
  };
  shutdown.arm(std::move(steps));

  ConfigReloader::Steps reload;
  reload.current = [&] { return current; };
  reload.build = [&](const core::Generation& running) {
    return reload_generation(running, inputs, parts);
  };
  reload.apply = [&](std::unique_ptr<core::Generation> next) {
    // The few process-wide settings a reload may change, then the generation itself.
    proxy.limits.set_max_per_ip(next->config.server.max_connections_per_ip);
    shutdown.set_delay(next->config.server.shutdown_delay);
    if (!inputs.log_level_from_cli) {
      spdlog::default_logger()->set_level(spdlog::level::from_str(next->config.logging.level));
    }
    counters.config_generation.store(next->number, std::memory_order_relaxed);
    current = reaper.share(std::move(next));  // the old one goes once its sessions have
  };
  reloader.arm(std::move(reload));

  host::HookWatchdog watchdog(pool.size());
  pool.start([&watchdog](std::size_t worker) { watchdog.bind_current_thread(worker); });
  listener.start();
  notify_ready();
  main_context.run();

  pool.release();
  if (!pool.wait_for(current->config.server.shutdown_grace)) {
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
  // No io thread runs now: generations whose last session ended meanwhile are destroyed
  // here, and the rest (sessions the pool still holds, the current one) when dropped.
  reaper.detach();
  main_context.restart();
  main_context.poll();
  // No io thread runs now, but the contexts still exist: before they go, nothing a plugin
  // does later (a timer, its own thread completing a deferral) may reach them.
  if (const std::size_t abandoned = host::Deferral::cancel_all_pending()) {
    spdlog::info("{} deferred decision(s) still pending at shutdown were cancelled", abandoned);
  }
  timers.cancel_all();
  current.reset();
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
  // The process's counters: every generation's plugins read these same ones.
  host::CoreCounters counters;
  std::unique_ptr<core::Generation> first;
  try {
    first = build_generation(1, config, GenerationInputs{&timers, &counters, nullptr, {}, exe_dir});
  } catch (const host::PluginError& e) {
    print_error(e.what());
    return exit_usage_error;
  }

  for (const auto& plugin : first->registry->plugins()) {
    spdlog::debug("loaded plugin {} {} from {}", plugin.name, plugin.info.version,
                  plugin.path.string());
  }

  if (options.command == Command::check_config) {
    std::string plugins;
    for (const auto& plugin : first->registry->plugins()) {
      plugins += (plugins.empty() ? "" : ", ") + plugin.name + " " + plugin.info.version;
    }
    std::printf("config OK; plugins: %s\n", plugins.c_str());
    return exit_ok;
  }

  try {
    const ServeInputs inputs{options, exe_dir, options.log_level.has_value()};
    return serve(std::move(first), inputs, timers, counters);
  } catch (const boost::system::system_error& e) {
    print_error("cannot listen on " + config.server.listen + ":" +
                std::to_string(config.server.port) + ": " + e.code().message());
    return exit_runtime_error;
  }
}

}  // namespace proxy::app
