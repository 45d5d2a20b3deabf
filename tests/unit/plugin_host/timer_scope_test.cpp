#include "plugin_host/timer_scope.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "thread_timer_service.hpp"

namespace proxy::host {
namespace {

using namespace std::chrono_literals;

TEST(TimerScope, CancelAllCancelsOnlyItsOwnTimers) {
  test::ThreadTimerService process;
  TimerScope old_generation(process);
  TimerScope new_generation(process);
  std::atomic<int> old_cancelled{0};
  std::atomic<int> new_fired{0};
  old_generation.schedule(50ms, [&](bool cancelled) { old_cancelled += cancelled ? 1 : 0; });
  new_generation.schedule(50ms, [&](bool cancelled) { new_fired += cancelled ? 0 : 1; });

  old_generation.cancel_all();
  EXPECT_EQ(old_cancelled.load(), 1);  // at once, not after the delay
  for (int i = 0; i < 200 && new_fired.load() == 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(new_fired.load(), 1);
  EXPECT_EQ(old_cancelled.load(), 1);  // the underlying call found nothing to run again
}

TEST(TimerScope, AfterCancelAllScheduleCancelsAtOnce) {
  test::ThreadTimerService process;
  TimerScope scope(process);
  scope.cancel_all();
  bool cancelled = false;
  scope.schedule(1h, [&](bool was_cancelled) { cancelled = was_cancelled; });
  EXPECT_TRUE(cancelled);
}

TEST(TimerScope, CancelAllWaitsForARunningFn) {
  test::ThreadTimerService process;
  TimerScope scope(process);
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  scope.schedule(0ms, [&](bool) {
    started = true;
    std::this_thread::sleep_for(100ms);
    finished = true;
  });
  while (!started.load()) {
    std::this_thread::sleep_for(1ms);
  }
  scope.cancel_all();
  EXPECT_TRUE(finished.load());
}

TEST(TimerScope, TheProcessCancellingFirstStillCallsEachFnOnce) {
  std::atomic<int> calls{0};
  {
    test::ThreadTimerService process;
    TimerScope scope(process);
    scope.schedule(1h, [&](bool cancelled) { calls += cancelled ? 1 : 100; });
    process.cancel_all();
    EXPECT_EQ(calls.load(), 1);
  }
  EXPECT_EQ(calls.load(), 1);  // the scope's own cancel_all found it gone
}

TEST(TimerScope, AFnMayScheduleAgainOnItsScope) {
  test::ThreadTimerService process;
  TimerScope scope(process);
  std::atomic<int> ticks{0};
  std::function<void(bool)> tick = [&](bool cancelled) {
    if (!cancelled && ++ticks < 3) {
      scope.schedule(1ms, tick);
    }
  };
  scope.schedule(1ms, tick);
  for (int i = 0; i < 400 && ticks.load() < 3; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(ticks.load(), 3);
}

}  // namespace
}  // namespace proxy::host
