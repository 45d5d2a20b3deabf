#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "asio.hpp"
#include "rate_limiter_settings.hpp"
#include "redis_link.hpp"
#include "remote_answer.hpp"

namespace proxy::plugins::rate_limiter {

// The Redis backend: one thread of its own running an io_context, a pool of connections
// to one Redis (RedisLink, `connections` of them: one per io thread of the proxy), and
// the sliding-window script (redis_script.hpp) run once per decision with EVALSHA. No
// call here blocks: ask() hands the question to the thread and returns.
//
// Every question gets exactly one answer: Redis's, or `timeout` at its deadline
// (timeout_ms after ask()), or `unavailable` when no connection is ready or the one
// carrying it is lost, or `overloaded` at once when max_in_flight questions are already
// waiting. Connections are made again on their own, with backoff.
//
// @par Thread Safety
// ask() and the observers from any thread. The sinks are called on the backend's thread
// (or in ask(), for `overloaded`). The destructor closes the connections and answers
// every waiting question `unavailable` before it returns.
class RedisLimiter {
 public:
  RedisLimiter(const RedisSettings& settings, const Limits& limits, std::size_t connections,
               std::shared_ptr<spdlog::logger> log);
  ~RedisLimiter();
  RedisLimiter(const RedisLimiter&) = delete;
  RedisLimiter& operator=(const RedisLimiter&) = delete;

  // Asks whether one more request of `key` (without the prefix, which is added here) is
  // admitted. `worker` (the asking io thread) picks the connection tried first.
  void ask(std::string_view key, std::uint32_t worker, std::unique_ptr<AnswerSink> sink);

  // True when a question asked now could be sent: a connection is ready and fewer than
  // max_in_flight questions wait. A hint (it may change at once), so that a decision
  // that cannot be asked is made without deferring.
  bool can_ask() const {
    return ready_links_.load(std::memory_order_relaxed) > 0 &&
           in_flight_.load(std::memory_order_relaxed) < settings_.max_in_flight;
  }
  std::size_t ready_connections() const { return ready_links_.load(std::memory_order_relaxed); }
  std::size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  std::size_t connections() const { return links_.size(); }

 private:
  void dispatch(const std::shared_ptr<Inquiry>& inquiry, std::uint32_t worker);
  void run();

  const RedisSettings settings_;
  const std::shared_ptr<spdlog::logger> log_;
  // Declared before the io_context and the links, whose handlers and questions count
  // in them until they are destroyed.
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> ready_links_{0};
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  LinkShared shared_;
  std::vector<std::unique_ptr<RedisLink>> links_;
  bool stopping_ = false;  // on the backend's thread
  std::thread thread_;
};

}  // namespace proxy::plugins::rate_limiter
