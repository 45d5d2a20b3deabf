#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace proxy::host {

// Notices a plugin hook that holds its io thread. A hook must not block: while it runs,
// every other connection of that worker waits. Each io thread owns a slot; a HookScope
// around each plugin call marks it busy (two clock reads and a few relaxed stores, so it
// can sit on on_bytes), and
//  - a call that took `threshold` or longer is logged when it returns:
//      plugin "probe" held worker 1 for 2003 ms in on_request
//  - a call still running after `threshold` is logged once by the watchdog's own thread:
//      plugin "probe" is holding worker 1 in on_request (250 ms so far)
// so a plugin that never returns is named too. The threshold is fixed: it is a
// diagnostic, not a limit, and no hook has a reason to come near it.
//
// @par Thread Safety
// bind_current_thread() from the io thread it binds; everything else from any thread.
class HookWatchdog {
 public:
  static constexpr std::chrono::milliseconds threshold{200};

  explicit HookWatchdog(std::size_t workers);
  HookWatchdog(const HookWatchdog&) = delete;
  HookWatchdog& operator=(const HookWatchdog&) = delete;
  ~HookWatchdog();

  // Makes the calling thread worker `index`: HookScopes on it report into its slot.
  void bind_current_thread(std::size_t index);
  // Unbinds the calling thread (before the watchdog goes away).
  static void unbind_current_thread();

  struct alignas(64) Slot {
    std::atomic<const std::string*> plugin{nullptr};
    std::atomic<const char*> hook{nullptr};
    std::atomic<std::int64_t> since_ns{0};  // 0: idle
    std::atomic<std::uint64_t> calls{0};    // bumped per call, so a report names one call
    std::uint64_t reported_call = 0;        // watchdog thread only
    std::size_t index = 0;
  };

 private:
  void watch();

  std::unique_ptr<Slot[]> slots_;
  std::size_t count_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Marks the calling io thread busy in `plugin`'s `hook` for the scope's lifetime; does
// nothing on a thread that is not bound (tests, --check-config).
class HookScope {
 public:
  HookScope(const std::string& plugin, const char* hook);
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;
  ~HookScope();

 private:
  HookWatchdog::Slot* slot_;
  std::int64_t start_ns_ = 0;
};

}  // namespace proxy::host
