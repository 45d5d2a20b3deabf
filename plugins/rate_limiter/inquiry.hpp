#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "asio.hpp"
#include "remote_answer.hpp"

namespace proxy::plugins::rate_limiter {

// One decision asked of Redis: its key, its deadline and the sink that gets the answer.
// Shared by the command's reply callback and the deadline timer, on the backend's thread;
// whichever comes first answers, the other finds it answered.
//
// It counts in `in_flight` for as long as it lives, which is until Redis answered its
// command or the connection carrying it is gone: a decision that timed out still holds
// its slot while Redis owes the reply, so a stalled Redis cannot pile up commands
// without bound.
class Inquiry {
 public:
  using Clock = std::chrono::steady_clock;

  Inquiry(asio::io_context& io, std::string key, Clock::time_point deadline,
          std::unique_ptr<AnswerSink> sink, std::atomic<std::size_t>& in_flight)
      : key_(std::move(key)),
        sink_(std::move(sink)),
        timer_(io),
        in_flight_(in_flight),
        asked_(Clock::now()) {
    timer_.expires_at(deadline);
  }
  // Answers `unavailable` when nothing did (the backend shutting down).
  ~Inquiry() {
    try {
      answer(RemoteAnswer{RemoteVerdict::unavailable, {}});
    } catch (...) {
      // Out of memory for the decision: the sink, dropped unanswered, fails closed.
    }
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
  }
  Inquiry(const Inquiry&) = delete;
  Inquiry& operator=(const Inquiry&) = delete;

  const std::string& key() const { return key_; }
  bool answered() const { return sink_ == nullptr; }
  // Only the first call reaches the sink.
  void answer(const RemoteAnswer& answer) {
    if (sink_ == nullptr) {
      return;
    }
    const std::unique_ptr<AnswerSink> sink = std::move(sink_);
    timer_.cancel();
    sink->answer(answer);
  }
  asio::steady_timer& timer() { return timer_; }
  // Since the question was asked: the latency a Redis answer reports.
  std::chrono::microseconds waited() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - asked_);
  }

  // A NOSCRIPT reply is answered by loading the script and asking once more.
  bool retried = false;

 private:
  std::string key_;
  std::unique_ptr<AnswerSink> sink_;
  asio::steady_timer timer_;
  std::atomic<std::size_t>& in_flight_;
  Clock::time_point asked_;
};

}  // namespace proxy::plugins::rate_limiter
