#include "app/config_reloader.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>

#include "app/service_notifier.hpp"
#include "plugin_host/plugin_error.hpp"

namespace proxy::app {

ConfigReloader::ConfigReloader(asio::io_context& context, host::CoreCounters& counters)
    : context_(context), counters_(counters), signals_(context, SIGHUP) {}

ConfigReloader::~ConfigReloader() {
  if (worker_.joinable()) {
    worker_.join();
  }
  // Asio puts back the default action, which ends the process: a late `systemctl reload`
  // during the rest of shutdown must not.
  boost::system::error_code ignored;
  signals_.clear(ignored);
  std::signal(SIGHUP, SIG_IGN);
}

void ConfigReloader::arm(Steps steps) {
  steps_ = std::move(steps);
  wait_for_signal();
}

void ConfigReloader::stop() {
  stopped_ = true;
  queued_ = false;
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

void ConfigReloader::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || stopped_) {
      return;
    }
    if (reloading_) {
      spdlog::debug("SIGHUP during a reload: one more reload follows it");
      queued_ = true;
    } else {
      begin();
    }
    wait_for_signal();
  });
}

void ConfigReloader::begin() {
  reloading_ = true;
  notify_reloading();
  busy_.emplace(context_.get_executor());
  std::shared_ptr<const core::Generation> running = steps_.current();
  running_generation_ = running->number;
  spdlog::debug("reloading the configuration (generation {} serving)", running_generation_);
  worker_ = std::thread([this, running = std::move(running)]() mutable {
    auto outcome = std::make_shared<Outcome>();
    try {
      outcome->next = steps_.build(*running);
    } catch (const std::exception& e) {
      outcome->error = host::one_line(e.what());
    } catch (...) {
      outcome->error = "an unknown exception escaped while loading";
    }
    running.reset();  // dropped here, not after the main thread may have replaced it
    asio::post(context_, [this, outcome] { finish(std::move(*outcome)); });
  });
}

void ConfigReloader::finish(Outcome outcome) {
  worker_.join();
  busy_.reset();
  reloading_ = false;
  if (stopped_) {
    // Shutdown began meanwhile: systemd heard STOPPING=1, not READY=1 again.
    spdlog::info("configuration reload abandoned: shutdown began");
    return;
  }
  if (outcome.next) {
    const std::uint64_t number = outcome.next->number;
    std::string plugins;
    for (const auto& plugin : outcome.next->registry->plugins()) {
      plugins += (plugins.empty() ? "" : ", ") + plugin.name + " " + plugin.info.version;
    }
    steps_.apply(std::move(outcome.next));
    counters_.config_reloads_ok.fetch_add(1, std::memory_order_relaxed);
    spdlog::info(
        "configuration generation {} loaded: new connections use it, open ones finish on "
        "theirs; plugins: {}",
        number, plugins);
  } else {
    counters_.config_reloads_failed.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("configuration reload failed, still serving generation {}: {}",
                  running_generation_, outcome.error);
  }
  notify_ready();
  if (queued_) {
    queued_ = false;
    begin();
  }
}

}  // namespace proxy::app
