#pragma once

#include <chrono>
#include <functional>

namespace proxy::host {

// "Run this after N ms", the host service behind proxy_host_api::schedule. The app
// implements it on its io threads; tests use a thread.
//
// Contract, which the plugin host relies on to destroy plugins safely:
//  - every fn handed to schedule() is called exactly once: fn(false) after the delay, or
//    fn(true) when cancel_all() comes first;
//  - cancel_all() calls every pending fn with true and returns only after every fn,
//    including one running at that moment, has returned;
//  - after cancel_all(), schedule() calls fn(true) right away (possibly inline).
//
// @par Thread Safety
// schedule() is called from any thread, including from inside a fn. cancel_all() is
// called once, at shutdown, never from inside a fn.
class TimerService {
 public:
  virtual ~TimerService() = default;

  virtual void schedule(std::chrono::milliseconds delay,
                        std::function<void(bool cancelled)> fn) = 0;
  virtual void cancel_all() = 0;
};

}  // namespace proxy::host
