#include "app/io_pool.hpp"

#include <algorithm>

namespace proxy::app {

std::size_t IoPool::resolve_workers(std::size_t workers) {
  return workers != 0 ? workers : std::max(1U, std::thread::hardware_concurrency());
}

IoPool::IoPool(std::size_t workers) {
  workers = resolve_workers(workers);
  contexts_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

IoPool::~IoPool() {
  stop();
  join();
}

std::size_t IoPool::next_index() {
  const std::size_t chosen = next_;
  next_ = (next_ + 1) % contexts_.size();
  return chosen;
}

void IoPool::start(const std::function<void(std::size_t worker)>& on_thread_start) {
  running_ = contexts_.size();
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([this, &io = *contexts_[i], i, on_thread_start] {
      if (on_thread_start) {
        on_thread_start(i);
      }
      io.run();
      const std::lock_guard lock(mutex_);
      --running_;
      finished_cv_.notify_all();
    });
  }
}

bool IoPool::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return finished_cv_.wait_for(lock, timeout, [this] { return running_ == 0; });
}

void IoPool::release() {
  guards_.clear();
}

void IoPool::stop() {
  guards_.clear();
  for (auto& context : contexts_) {
    context->stop();
  }
}

void IoPool::join() {
  for (auto& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  threads_.clear();
}

}  // namespace proxy::app
