#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "asio.hpp"
#include "connection/generation.hpp"
#include "plugin_host/core_counters.hpp"

namespace proxy::app {

// Reload on SIGHUP (`systemctl reload`): builds the next configuration generation on a
// thread of its own, so neither the io threads nor accepting wait for files to be read
// and plugins to be created, then hands it to `apply` on the main thread. A reload that
// fails changes nothing and logs one error line saying why.
//
// Reloads never overlap: SIGHUPs that arrive during one are coalesced into one more
// reload after it (it reads the files as they are then, which covers every edit the
// signals announced). systemd hears RELOADING=1 (with MONOTONIC_USEC) when a reload
// starts and READY=1 when it ended, whichever way.
//
// @par Thread Safety
// Lives on the main io_context, which runs every handler; only `build` runs on the
// reload thread.
class ConfigReloader {
 public:
  struct Steps {
    // The generation serving new connections now; on the main thread.
    std::function<std::shared_ptr<const core::Generation>()> current;
    // The next generation after `running`; on the reload thread. Throws (any
    // std::exception) with the one-line reason when it cannot be built.
    std::function<std::unique_ptr<core::Generation>(const core::Generation& running)> build;
    // Makes `next` current; on the main thread.
    std::function<void(std::unique_ptr<core::Generation> next)> apply;
  };

  // Catches SIGHUP from here on, so a reload signal never ends the process.
  ConfigReloader(asio::io_context& context, host::CoreCounters& counters);
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;
  ~ConfigReloader();

  // Starts reloading on each SIGHUP.
  void arm(Steps steps);
  // Shutdown began: no reload starts any more; one in progress ends without taking effect.
  void stop();

 private:
  struct Outcome {
    std::unique_ptr<core::Generation> next;
    std::string error;  // why there is no `next`
  };

  void wait_for_signal();
  void begin();
  void finish(Outcome outcome);

  asio::io_context& context_;
  host::CoreCounters& counters_;
  asio::signal_set signals_;
  Steps steps_;
  std::thread worker_;
  // Keeps the main context running while a reload is in progress, so a shutdown that
  // comes meanwhile waits for it instead of leaving the thread behind.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> busy_;
  std::uint64_t running_generation_ = 0;
  bool reloading_ = false;
  bool queued_ = false;
  bool stopped_ = false;
};

}  // namespace proxy::app
