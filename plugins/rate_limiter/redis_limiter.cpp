#include "redis_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace proxy::plugins::rate_limiter {

RedisLimiter::RedisLimiter(const RedisSettings& settings, const Limits& limits,
                           std::size_t connections, std::shared_ptr<spdlog::logger> log)
    : settings_(settings),
      log_(std::move(log)),
      work_(io_.get_executor()),
      shared_{io_,
              settings_,
              std::to_string(limits.requests),
              std::to_string(limits.window.count()),
              *log_,
              ready_links_} {
  const std::size_t count = std::max<std::size_t>(connections, 1);
  links_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    links_.push_back(std::make_unique<RedisLink>(shared_, i));
  }
  asio::post(io_, [this] {
    for (const auto& link : links_) {
      link->start();
    }
  });
  thread_ = std::thread([this] { run(); });
}

RedisLimiter::~RedisLimiter() {
  asio::post(io_, [this] {
    stopping_ = true;
    for (const auto& link : links_) {
      link->stop();  // answers what each carries
    }
  });
  work_.reset();
  thread_.join();  // returns once nothing is left to run: every question was answered
}

void RedisLimiter::run() {
  while (true) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      log_->error("Redis backend: {}", e.what());
    } catch (...) {
      log_->error("Redis backend: a non-standard exception");
    }
  }
}

void RedisLimiter::ask(std::string_view key, std::uint32_t worker,
                       std::unique_ptr<AnswerSink> sink) {
  if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= settings_.max_in_flight) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    sink->answer(RemoteAnswer{RemoteVerdict::overloaded, {}});
    return;
  }
  std::shared_ptr<Inquiry> inquiry;
  try {
    std::string full_key;
    full_key.reserve(settings_.prefix.size() + key.size());
    full_key.append(settings_.prefix).append(key);
    // From here the Inquiry holds the slot taken above, and gives it back when it goes.
    inquiry = std::make_shared<Inquiry>(io_, std::move(full_key),
                                        Inquiry::Clock::now() + settings_.timeout, std::move(sink),
                                        in_flight_);
  } catch (...) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    throw;
  }
  asio::post(io_, [this, inquiry = std::move(inquiry), worker] { dispatch(inquiry, worker); });
}

void RedisLimiter::dispatch(const std::shared_ptr<Inquiry>& inquiry, std::uint32_t worker) {
  if (stopping_) {
    inquiry->answer(RemoteAnswer{RemoteVerdict::unavailable, {}});
    return;
  }
  // The deadline counts from ask(): time spent queued for this thread counts too.
  inquiry->timer().async_wait([inquiry](const boost::system::error_code& error) {
    if (!error) {
      inquiry->answer(RemoteAnswer{RemoteVerdict::timeout, {}});
    }
  });
  if (Inquiry::Clock::now() >= inquiry->timer().expiry()) {
    return;  // the timer answers `timeout` at once; Redis is not asked any more
  }
  for (std::size_t i = 0; i < links_.size(); ++i) {
    if (links_[(worker + i) % links_.size()]->ask(inquiry)) {
      return;
    }
  }
  inquiry->answer(RemoteAnswer{RemoteVerdict::unavailable, {}});
}

}  // namespace proxy::plugins::rate_limiter
