#include "thread_timer_service.hpp"

#include <vector>

namespace proxy::host::test {

ThreadTimerService::ThreadTimerService() : worker_([this] { run(); }) {}

ThreadTimerService::~ThreadTimerService() {
  cancel_all();
  worker_.join();
}

void ThreadTimerService::schedule(std::chrono::milliseconds delay,
                                  std::function<void(bool cancelled)> fn) {
  {
    std::lock_guard lock(mutex_);
    if (!stopped_) {
      pending_.emplace(Clock::now() + delay, std::move(fn));
      wake_.notify_all();
      return;
    }
    ++cancelled_;
  }
  fn(true);
}

void ThreadTimerService::cancel_all() {
  std::multimap<Clock::time_point, std::function<void(bool)>> cancelled;
  {
    std::unique_lock lock(mutex_);
    stopped_ = true;
    wake_.notify_all();
    wake_.wait(lock, [this] { return !running_fn_; });
    cancelled.swap(pending_);
    cancelled_ += static_cast<int>(cancelled.size());
  }
  for (auto& [when, fn] : cancelled) {
    fn(true);
  }
}

int ThreadTimerService::fired() const {
  std::lock_guard lock(mutex_);
  return fired_;
}

int ThreadTimerService::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void ThreadTimerService::run() {
  std::unique_lock lock(mutex_);
  while (!stopped_) {
    if (pending_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto due = pending_.begin()->first;
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    auto fn = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    running_fn_ = true;
    ++fired_;
    lock.unlock();
    fn(false);
    lock.lock();
    running_fn_ = false;
    wake_.notify_all();
  }
}

}  // namespace proxy::host::test
