#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "asio.hpp"

namespace proxy::app {

// What SIGTERM or SIGINT starts, in order:
//  1. `shutdown_begun` is set (/_ready answers 503) and `on_begin` runs (it tells systemd);
//  2. for `delay` (server.shutdown_delay) the proxy keeps accepting and serving, so a
//     balancer's health checks see the 503 and stop sending before connections are refused;
//  3. `stop_accepting` runs: the listener closes and in-flight work drains.
// A second signal during the delay skips the rest of it.
//
// @par Thread Safety
// Lives on `context`, which runs every handler; only `shutdown_begun` is read elsewhere.
class ShutdownSequence {
 public:
  // Catches the signals from here on (before anything announces readiness), so a signal
  // always means a clean stop.
  explicit ShutdownSequence(asio::io_context& context);

  struct Steps {
    std::chrono::milliseconds delay{0};
    std::atomic<bool>* shutdown_begun = nullptr;
    std::function<void(int signal_number)> on_begin;
    std::function<void()> stop_accepting;
  };
  // Waits for the first signal, then runs `steps`.
  void arm(Steps steps);
  // A reload's new server.shutdown_delay, for a shutdown that has not begun yet.
  void set_delay(std::chrono::milliseconds delay) { steps_.delay = delay; }

 private:
  void begin(int signal_number);
  void finish();

  asio::signal_set signals_;
  asio::steady_timer delay_timer_;
  Steps steps_;
  bool finished_ = false;
};

}  // namespace proxy::app
