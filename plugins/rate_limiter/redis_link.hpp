#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include <hiredis/async.h>
#include <spdlog/logger.h>

#include "asio.hpp"
#include "inquiry.hpp"
#include "rate_limiter_settings.hpp"

namespace proxy::plugins::rate_limiter {

// What every connection of one pool shares; owned by the pool, outlives the links.
struct LinkShared {
  asio::io_context& io;
  const RedisSettings& settings;
  std::string requests_arg;  // the limit, as EVALSHA's ARGV[1]
  std::string window_arg;    // the window in ms, ARGV[2]
  spdlog::logger& log;
  std::atomic<std::size_t>& ready_links;  // links that can take a question now
};

// One connection of the pool: connects, authenticates (AUTH), selects the database,
// loads the script (SCRIPT LOAD) and then carries questions (EVALSHA), pipelined. When
// the connection fails, is refused or stops answering, every question it carries is
// answered `unavailable` and it connects again after a backoff (100 ms doubling to 2 s,
// with jitter), for as long as the pool lives.
//
// A connection that stays unanswered for stall_after while questions wait on it is
// closed and made again: a Redis that hangs (or a path that drops packets without a
// reset) then costs the later decisions nothing instead of timeout_ms each.
//
// @par Thread Safety
// Everything runs on the pool's thread (the one running `shared.io`).
class RedisLink {
 public:
  using Clock = std::chrono::steady_clock;

  RedisLink(LinkShared& shared, std::size_t index);
  ~RedisLink();  // closes the connection: the questions it carries are answered
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  void start();
  // Closes the connection for good (the pool is stopping).
  void stop();
  bool ready() const { return state_ == State::ready; }
  // Sends the question; false (nothing sent) when the connection cannot take it.
  bool ask(const std::shared_ptr<Inquiry>& inquiry);

  static constexpr std::chrono::milliseconds first_backoff{100};
  static constexpr std::chrono::milliseconds max_backoff{2000};

 private:
  enum class State { idle, connecting, ready, stopped };

  void connect();
  void send_setup();
  // The connection is gone or must go: `why` is logged (never with the password).
  void lost(const std::string& why);
  void retry_later();
  void arm_setup_deadline();
  void arm_stall_check();
  void became_ready(std::string sha);
  void reload_script();
  bool send_request(const std::shared_ptr<Inquiry>& inquiry);
  void on_answer(redisReply* reply, const std::shared_ptr<Inquiry>& inquiry);
  void note_reply_error(const std::string& error);

  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);
  static void on_setup_reply(redisAsyncContext* context, void* reply, void* step);
  static void on_script_loaded(redisAsyncContext* context, void* reply, void* privdata);
  static void on_reload_reply(redisAsyncContext* context, void* reply, void* privdata);
  static void on_reply(redisAsyncContext* context, void* reply, void* privdata);

  LinkShared& shared_;
  const std::size_t index_;
  redisAsyncContext* context_ = nullptr;
  State state_ = State::idle;
  std::string sha_;  // the script's, from SCRIPT LOAD
  bool reloading_ = false;
  asio::steady_timer timer_;  // backoff, setup deadline or stall check, by state
  std::chrono::milliseconds backoff_{first_backoff};
  std::minstd_rand jitter_;
  std::size_t failures_ = 0;  // connection attempts failed since the last ready
  bool ever_ready_ = false;
  std::size_t waiting_ = 0;  // questions sent and not answered by Redis yet
  Clock::time_point last_progress_{};
  Clock::time_point last_error_log_{};
  std::size_t errors_unlogged_ = 0;
};

}  // namespace proxy::plugins::rate_limiter
