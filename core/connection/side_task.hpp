#pragma once

#include <exception>
#include <memory>
#include <utility>

#include "asio.hpp"

namespace proxy::core {

// A coroutine that runs beside the caller's on the same executor, and that the caller
// joins before the state both use goes away: a tunnel's second direction, or a request
// body going up while the response comes down (as Asio's throttling_proxy example joins
// its two transfer() coroutines).
//
// One io thread uses it: done() needs no lock.
class SideTask {
 public:
  // Starts `make()`, a function returning an asio::awaitable, on `executor`, keeping
  // `owner` alive until it ends. Its result is dropped; what it throws is logged under
  // `name` and ends it.
  template <typename Make>
  SideTask(const asio::any_io_executor& executor, std::shared_ptr<void> owner, const char* name,
           Make make)
      : state_(std::make_shared<State>(executor)) {
    asio::co_spawn(executor, std::move(make),
                   [state = state_, owner = std::move(owner), name](const std::exception_ptr& error,
                                                                    auto&&... /*result*/) {
                     if (error) {
                       log_failure(name, error);
                     }
                     state->done = true;
                     state->finished.cancel();
                   });
  }
  SideTask(const SideTask&) = delete;
  SideTask& operator=(const SideTask&) = delete;
  ~SideTask() = default;

  bool done() const { return state_->done; }
  // Returns once the task has ended.
  asio::awaitable<void> join();

 private:
  struct State {
    explicit State(const asio::any_io_executor& executor)
        : finished(executor, asio::steady_timer::time_point::max()) {}
    bool done = false;
    asio::steady_timer finished;  // cancelled when the task ends
  };

  static void log_failure(const char* name, const std::exception_ptr& error);

  std::shared_ptr<State> state_;
};

}  // namespace proxy::core
