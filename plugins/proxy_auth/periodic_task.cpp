#include "periodic_task.hpp"

#include <utility>

namespace proxy::plugins::proxy_auth {

PeriodicTask::PeriodicTask(std::chrono::milliseconds period, std::function<void()> task)
    : period_(period), task_(std::move(task)), thread_([this] { run(); }) {}

PeriodicTask::~PeriodicTask() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicTask::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      task_();
    } catch (...) {
      // Logged by the task itself where it matters; the next period tries again.
    }
    lock.lock();
  }
}

}  // namespace proxy::plugins::proxy_auth
