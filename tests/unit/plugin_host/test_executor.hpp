#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace proxy::host::test {

// Stands in for a connection's executor: posted work runs on the test's thread, in
// run_until(), as Asio would run it on the connection's io thread.
class TestExecutor {
 public:
  void post(std::function<void()> fn) {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(fn));
    ready_.notify_all();
  }

  // Runs posted work until `done()` holds; false on timeout.
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      std::unique_lock lock(mutex_);
      if (!ready_.wait_until(lock, deadline, [this] { return !queue_.empty(); })) {
        return false;
      }
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
    }
    return true;
  }

  std::function<void(std::function<void()>)> poster() {
    return [this](std::function<void()> fn) { post(std::move(fn)); };
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
};

}  // namespace proxy::host::test
