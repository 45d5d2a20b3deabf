#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "plugin_host/timer_service.hpp"

namespace proxy::host::test {

// A TimerService on one thread, keeping the interface's contract without Asio: each fn
// runs once, cancel_all() cancels the pending ones and waits for a running one.
class ThreadTimerService final : public TimerService {
 public:
  ThreadTimerService();
  ~ThreadTimerService() override;

  void schedule(std::chrono::milliseconds delay, std::function<void(bool cancelled)> fn) override;
  void cancel_all() override;

  int fired() const;
  int cancelled() const;

 private:
  using Clock = std::chrono::steady_clock;

  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, std::function<void(bool)>> pending_;
  bool stopped_ = false;
  bool running_fn_ = false;
  int fired_ = 0;
  int cancelled_ = 0;
  std::thread worker_;
};

}  // namespace proxy::host::test
