#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "asio.hpp"

namespace proxy::app {

// One single-threaded io_context per worker thread. A connection is handed to one
// context and stays on its thread for life, so its state needs no locks.
class IoPool {
 public:
  // workers == 0 means one per core.
  // `workers` as configured: 0 means one per CPU.
  static std::size_t resolve_workers(std::size_t workers);
  explicit IoPool(std::size_t workers);
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;
  ~IoPool();

  std::size_t size() const { return contexts_.size(); }
  asio::io_context& context(std::size_t index) { return *contexts_[index]; }
  // Round-robin choice of the worker for the next accepted connection.
  std::size_t next_index();

  // `on_thread_start(worker)` runs first on each worker thread.
  void start(const std::function<void(std::size_t worker)>& on_thread_start = {});
  // Lets each context return once its work is done: the graceful half of shutdown.
  void release();
  // Waits until every worker has returned, or the timeout passed; true when all did.
  bool wait_for(std::chrono::milliseconds timeout);
  // Stops every context at once, abandoning what is in flight.
  void stop();
  void join();

 private:
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::size_t next_ = 0;

  std::mutex mutex_;
  std::condition_variable finished_cv_;
  std::size_t running_ = 0;
};

}  // namespace proxy::app
