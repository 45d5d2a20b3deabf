#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace proxy::plugins::proxy_auth {

// Runs `task` every `period` on a thread of its own until destroyed. Work that may read
// files (the users file) stays off the io threads this way. An exception from `task` is
// swallowed: the next period runs it again.
//
// @par Thread Safety
// The destructor waits for a running task to finish; construct and destroy on one thread.
class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds period, std::function<void()> task);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void run();

  const std::chrono::milliseconds period_;
  const std::function<void()> task_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace proxy::plugins::proxy_auth
