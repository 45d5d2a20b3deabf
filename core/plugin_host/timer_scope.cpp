#include "plugin_host/timer_scope.hpp"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

namespace proxy::host {

// Shared with the callbacks handed to the underlying service, which may outlive the scope.
struct TimerScope::State {
  std::mutex mutex;
  std::condition_variable idle;
  std::map<std::uint64_t, std::function<void(bool)>> pending;
  std::uint64_t next_id = 0;
  std::size_t running = 0;  // fns called and not yet returned
  bool closed = false;

  // Takes the fn of `id` if cancel_all() has not, and runs it.
  void fire(std::uint64_t id, bool cancelled) {
    std::function<void(bool)> fn;
    {
      const std::lock_guard lock(mutex);
      const auto it = pending.find(id);
      if (it == pending.end()) {
        return;
      }
      fn = std::move(it->second);
      pending.erase(it);
      ++running;
    }
    // Outside the lock: fn may schedule again.
    fn(cancelled);
    const std::lock_guard lock(mutex);
    if (--running == 0) {
      idle.notify_all();
    }
  }
};

TimerScope::TimerScope(TimerService& timers) : timers_(timers), state_(std::make_shared<State>()) {}

TimerScope::~TimerScope() {
  cancel_all();
}

void TimerScope::schedule(std::chrono::milliseconds delay, std::function<void(bool cancelled)> fn) {
  std::uint64_t id = 0;
  {
    std::unique_lock lock(state_->mutex);
    if (state_->closed) {
      lock.unlock();
      fn(true);
      return;
    }
    id = state_->next_id++;
    state_->pending.emplace(id, std::move(fn));
  }
  timers_.schedule(delay, [state = state_, id](bool cancelled) { state->fire(id, cancelled); });
}

void TimerScope::cancel_all() {
  std::map<std::uint64_t, std::function<void(bool)>> left;
  {
    const std::lock_guard lock(state_->mutex);
    state_->closed = true;
    left.swap(state_->pending);
  }
  for (auto& [id, fn] : left) {
    fn(true);
  }
  // A fn the timer thread started before we took the rest may still be running.
  std::unique_lock lock(state_->mutex);
  state_->idle.wait(lock, [&] { return state_->running == 0; });
}

}  // namespace proxy::host
