#include "redis_link.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "hiredis_asio.hpp"
#include "log_text.hpp"
#include "redis_script.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

constexpr auto error_log_interval = std::chrono::seconds(10);

// Connecting, AUTH, SELECT and SCRIPT LOAD together get this long.
std::chrono::milliseconds setup_timeout(const RedisSettings& settings) {
  return std::max<std::chrono::milliseconds>(std::chrono::seconds(1), 2 * settings.timeout);
}

// Unanswered this long while questions wait: the connection is given up.
std::chrono::milliseconds stall_after(const RedisSettings& settings) {
  return std::max<std::chrono::milliseconds>(std::chrono::seconds(1), 4 * settings.timeout);
}

std::string reply_text(const redisReply* reply) {
  return std::string(reply->str, reply->len);
}

bool is_error(const redisReply* reply) {
  return reply != nullptr && reply->type == REDIS_REPLY_ERROR;
}

// Errors after which the connection is of no more use as it is.
bool needs_new_connection(std::string_view error) {
  return error.starts_with("NOAUTH") || error.starts_with("WRONGPASS") ||
         error.starts_with("LOADING") || error.starts_with("MASTERDOWN");
}

}  // namespace

RedisLink::RedisLink(LinkShared& shared, std::size_t index)
    : shared_(shared),
      index_(index),
      timer_(shared.io),
      jitter_(static_cast<std::minstd_rand::result_type>(Clock::now().time_since_epoch().count() +
                                                         static_cast<std::int64_t>(index))) {}

RedisLink::~RedisLink() {
  try {
    stop();
  } catch (...) {
    // Cancelling the timer failed: nothing is left to wait for it, the pool is gone.
  }
}

void RedisLink::start() {
  if (state_ == State::idle) {
    connect();
  }
}

void RedisLink::stop() {
  if (state_ == State::ready) {
    shared_.ready_links.fetch_sub(1, std::memory_order_relaxed);
  }
  state_ = State::stopped;
  timer_.cancel();
  if (redisAsyncContext* context = std::exchange(context_, nullptr)) {
    redisAsyncFree(context);  // every question still carried is answered `unavailable`
  }
}

void RedisLink::connect() {
  const RedisSettings& settings = shared_.settings;
  redisAsyncContext* context = redisAsyncConnect(settings.host.c_str(), settings.port);
  if (context == nullptr) {
    lost("cannot allocate a connection");
    return;
  }
  if (context->err != 0 || !attach_to_asio(context, shared_.io)) {
    const std::string why = context->err != 0 ? context->errstr : "no socket";
    redisAsyncFree(context);
    lost(why);
    return;
  }
  context->data = this;
  context_ = context;
  state_ = State::connecting;
  redisAsyncSetConnectCallback(context, &RedisLink::on_connect);
  redisAsyncSetDisconnectCallback(context, &RedisLink::on_disconnect);
  send_setup();
  arm_setup_deadline();
}

// Pipelined behind the connect: hiredis writes them once the socket is connected, and
// Redis answers in order, so the script is loaded only after AUTH and SELECT passed.
void RedisLink::send_setup() {
  const RedisSettings& settings = shared_.settings;
  if (!settings.password.empty()) {
    const char* argv[] = {"AUTH", settings.password.data()};
    const std::size_t lengths[] = {4, settings.password.size()};
    redisAsyncCommandArgv(context_, &RedisLink::on_setup_reply, nullptr, 2, argv, lengths);
  }
  if (settings.database != 0) {
    const std::string database = std::to_string(settings.database);
    const char* argv[] = {"SELECT", database.data()};
    const std::size_t lengths[] = {6, database.size()};
    redisAsyncCommandArgv(context_, &RedisLink::on_setup_reply, nullptr, 2, argv, lengths);
  }
  const std::string_view script = sliding_window_script();
  const char* argv[] = {"SCRIPT", "LOAD", script.data()};
  const std::size_t lengths[] = {6, 4, script.size()};
  redisAsyncCommandArgv(context_, &RedisLink::on_script_loaded, nullptr, 3, argv, lengths);
}

void RedisLink::lost(const std::string& why) {
  if (state_ == State::stopped) {
    return;
  }
  if (state_ == State::ready) {
    shared_.ready_links.fetch_sub(1, std::memory_order_relaxed);
  }
  state_ = State::idle;
  reloading_ = false;
  waiting_ = 0;
  // Null when hiredis is freeing the context itself (a failed connect, a closed socket).
  // From inside a reply callback hiredis frees it once the callback returns.
  if (redisAsyncContext* context = std::exchange(context_, nullptr)) {
    redisAsyncFree(context);
  }
  ++failures_;
  const RedisSettings& settings = shared_.settings;
  if (failures_ == 1) {
    shared_.log.warn("Redis connection {} to {}:{}: {}; connecting again with backoff", index_,
                     settings.host, settings.port, common::quoted(why));
  } else {
    shared_.log.debug("Redis connection {} to {}:{}: attempt {} failed: {}", index_, settings.host,
                      settings.port, failures_, common::quoted(why));
  }
  retry_later();
}

void RedisLink::retry_later() {
  std::uniform_int_distribution<std::int64_t> spread(backoff_.count() * 4 / 5,
                                                     backoff_.count() * 6 / 5);
  timer_.expires_after(std::chrono::milliseconds(spread(jitter_)));
  backoff_ = std::min(backoff_ * 2, max_backoff);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && state_ == State::idle) {
      connect();
    }
  });
}

void RedisLink::arm_setup_deadline() {
  const std::chrono::milliseconds limit = setup_timeout(shared_.settings);
  timer_.expires_after(limit);
  timer_.async_wait([this, limit](const boost::system::error_code& error) {
    if (!error && state_ == State::connecting) {
      lost("not connected and set up within " + std::to_string(limit.count()) + " ms");
    }
  });
}

void RedisLink::arm_stall_check() {
  const std::chrono::milliseconds limit = stall_after(shared_.settings);
  timer_.expires_after(limit / 2);
  timer_.async_wait([this, limit](const boost::system::error_code& error) {
    if (error || state_ != State::ready) {
      return;
    }
    if (waiting_ > 0 && Clock::now() - last_progress_ >= limit) {
      lost("no answer for " + std::to_string(limit.count()) + " ms with " +
           std::to_string(waiting_) + " questions waiting");
      return;
    }
    arm_stall_check();
  });
}

void RedisLink::became_ready(std::string sha) {
  sha_ = std::move(sha);
  state_ = State::ready;
  shared_.ready_links.fetch_add(1, std::memory_order_relaxed);
  backoff_ = first_backoff;
  const RedisSettings& settings = shared_.settings;
  if (!ever_ready_) {
    shared_.log.info("Redis connection {} to {}:{} ready (database {})", index_, settings.host,
                     settings.port, settings.database);
  } else if (failures_ > 0) {
    shared_.log.info("Redis connection {} to {}:{} ready again after {} failed attempts", index_,
                     settings.host, settings.port, failures_);
  }
  ever_ready_ = true;
  failures_ = 0;
  last_progress_ = Clock::now();
  arm_stall_check();
}

void RedisLink::reload_script() {
  if (reloading_ || context_ == nullptr) {
    return;
  }
  const std::string_view script = sliding_window_script();
  const char* argv[] = {"SCRIPT", "LOAD", script.data()};
  const std::size_t lengths[] = {6, 4, script.size()};
  if (redisAsyncCommandArgv(context_, &RedisLink::on_reload_reply, nullptr, 3, argv, lengths) ==
      REDIS_OK) {
    reloading_ = true;
  }
}

bool RedisLink::ask(const std::shared_ptr<Inquiry>& inquiry) {
  return state_ == State::ready && send_request(inquiry);
}

bool RedisLink::send_request(const std::shared_ptr<Inquiry>& inquiry) {
  const std::string& key = inquiry->key();
  const std::string& requests = shared_.requests_arg;
  const std::string& window = shared_.window_arg;
  const char* argv[] = {"EVALSHA", sha_.data(), "1", key.data(), requests.data(), window.data()};
  const std::size_t lengths[] = {7, sha_.size(), 1, key.size(), requests.size(), window.size()};
  auto holder = std::make_unique<std::shared_ptr<Inquiry>>(inquiry);
  if (redisAsyncCommandArgv(context_, &RedisLink::on_reply, holder.get(), 6, argv, lengths) !=
      REDIS_OK) {
    return false;
  }
  // The reply callback owns it now: hiredis calls it exactly once, with the answer or
  // with none when the connection goes.
  static_cast<void>(holder.release());
  if (waiting_++ == 0) {
    last_progress_ = Clock::now();
  }
  return true;
}

void RedisLink::note_reply_error(const std::string& error) {
  const Clock::time_point now = Clock::now();
  if (now - last_error_log_ < error_log_interval) {
    ++errors_unlogged_;
    return;
  }
  shared_.log.warn("Redis connection {}: error reply {}{}", index_, common::quoted(error),
                   errors_unlogged_ == 0
                       ? std::string()
                       : " (and " + std::to_string(errors_unlogged_) + " more since the last)");
  last_error_log_ = now;
  errors_unlogged_ = 0;
}

void RedisLink::on_answer(redisReply* reply, const std::shared_ptr<Inquiry>& inquiry) {
  if (reply == nullptr) {  // the connection is gone; lost() sees to the link
    inquiry->answer(RemoteAnswer{RemoteVerdict::unavailable, {}});
    return;
  }
  if (waiting_ > 0) {
    --waiting_;
  }
  last_progress_ = Clock::now();
  if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
      reply->element[0]->type == REDIS_REPLY_INTEGER &&
      reply->element[1]->type == REDIS_REPLY_INTEGER) {
    if (reply->element[0]->integer == 1) {
      inquiry->answer(RemoteAnswer{RemoteVerdict::allowed, {}, inquiry->waited()});
    } else {
      const auto wait = std::max<long long>(reply->element[1]->integer, 1);
      inquiry->answer(
          RemoteAnswer{RemoteVerdict::limited, std::chrono::milliseconds(wait), inquiry->waited()});
    }
    return;
  }
  if (!is_error(reply)) {
    note_reply_error("an answer of reply type " + std::to_string(reply->type));
    inquiry->answer(RemoteAnswer{RemoteVerdict::error_reply, {}, inquiry->waited()});
    return;
  }
  const std::string error = reply_text(reply);
  // The script cache was emptied (SCRIPT FLUSH, a failover to a replica that never saw
  // it): load it again and ask once more, behind the load on the same connection.
  if (error.starts_with("NOSCRIPT") && !inquiry->retried && state_ == State::ready &&
      !inquiry->answered()) {
    inquiry->retried = true;
    reload_script();
    if (send_request(inquiry)) {
      return;
    }
  }
  note_reply_error(error);
  inquiry->answer(RemoteAnswer{RemoteVerdict::error_reply, {}});
  if (needs_new_connection(error) && context_ != nullptr) {
    lost("Redis answered " + error);
  }
}

void RedisLink::on_connect(const redisAsyncContext* context, int status) {
  auto* link = static_cast<RedisLink*>(context->data);
  if (status == REDIS_OK || link->context_ != context) {
    return;  // ready once the script is loaded
  }
  link->context_ = nullptr;  // hiredis frees it after this callback
  link->lost(context->errstr);
}

void RedisLink::on_disconnect(const redisAsyncContext* context, int status) {
  auto* link = static_cast<RedisLink*>(context->data);
  if (link->context_ != context) {
    return;  // closed by lost() or stop(), which saw to the rest
  }
  link->context_ = nullptr;  // hiredis is freeing it
  link->lost(status == REDIS_OK ? std::string("closed") : std::string(context->errstr));
}

void RedisLink::on_setup_reply(redisAsyncContext* context, void* reply, void* /*step*/) {
  auto* link = static_cast<RedisLink*>(context->data);
  auto* answer = static_cast<redisReply*>(reply);
  if (answer == nullptr || link->context_ != context) {
    return;
  }
  if (is_error(answer)) {
    // Redis's own words ("WRONGPASS invalid username-password pair"), never the password.
    link->lost("refused during setup: " + reply_text(answer));
  }
}

void RedisLink::on_script_loaded(redisAsyncContext* context, void* reply, void* /*privdata*/) {
  auto* link = static_cast<RedisLink*>(context->data);
  auto* answer = static_cast<redisReply*>(reply);
  if (answer == nullptr || link->context_ != context || link->state_ != State::connecting) {
    return;
  }
  if (answer->type != REDIS_REPLY_STRING) {
    link->lost(is_error(answer) ? "SCRIPT LOAD refused: " + reply_text(answer)
                                : std::string("SCRIPT LOAD gave no script id"));
    return;
  }
  link->became_ready(reply_text(answer));
}

void RedisLink::on_reload_reply(redisAsyncContext* context, void* reply, void* /*privdata*/) {
  auto* link = static_cast<RedisLink*>(context->data);
  auto* answer = static_cast<redisReply*>(reply);
  if (answer == nullptr || link->context_ != context) {
    return;
  }
  link->reloading_ = false;
  if (answer->type == REDIS_REPLY_STRING) {
    link->sha_ = reply_text(answer);
    return;
  }
  link->lost(is_error(answer) ? "SCRIPT LOAD refused: " + reply_text(answer)
                              : std::string("SCRIPT LOAD gave no script id"));
}

void RedisLink::on_reply(redisAsyncContext* context, void* reply, void* privdata) {
  const std::unique_ptr<std::shared_ptr<Inquiry>> holder(
      static_cast<std::shared_ptr<Inquiry>*>(privdata));
  auto* link = static_cast<RedisLink*>(context->data);
  link->on_answer(static_cast<redisReply*>(reply), *holder);
}

}  // namespace proxy::plugins::rate_limiter
