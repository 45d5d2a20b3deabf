#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "plugin_host/timer_service.hpp"

namespace proxy::host {

// The timers of one set of plugins (one configuration generation) on a process-wide
// TimerService: cancel_all() cancels only what was scheduled through this scope, so a
// reload can retire the old generation's plugins while the new one's timers keep
// running. Keeps the TimerService contract: every fn is called exactly once, and
// cancel_all() returns only after every fn of the scope, one running included, returned.
//
// @par Thread Safety
// As TimerService. The scope may be destroyed while the underlying service still holds
// its callbacks: they then find nothing to run.
class TimerScope final : public TimerService {
 public:
  // `timers` must outlive every fn scheduled through this scope (the app's timer thread).
  explicit TimerScope(TimerService& timers);
  TimerScope(const TimerScope&) = delete;
  TimerScope& operator=(const TimerScope&) = delete;
  ~TimerScope() override;

  void schedule(std::chrono::milliseconds delay, std::function<void(bool cancelled)> fn) override;
  void cancel_all() override;

 private:
  struct State;

  TimerService& timers_;
  std::shared_ptr<State> state_;
};

}  // namespace proxy::host
