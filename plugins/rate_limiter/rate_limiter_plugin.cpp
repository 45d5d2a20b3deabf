#include "rate_limiter_plugin.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "carried_limiter.hpp"
#include "limit_key.hpp"
#include "log_text.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

// Completes one deferred decision with the backend's answer (on the backend's thread).
class CompletionSink final : public AnswerSink {
 public:
  CompletionSink(sdk::Completion completion, const RateLimitDecisions& decisions)
      : completion_(std::move(completion)), decisions_(decisions) {}

  void answer(const RemoteAnswer& answer) override {
    completion_.complete(decisions_.answer(answer));
  }

 private:
  sdk::Completion completion_;
  const RateLimitDecisions& decisions_;
};

std::string describe(const Settings& settings, std::size_t connections) {
  const double seconds = std::chrono::duration<double>(settings.limits.window).count();
  std::string text = fmt::format("{} requests per {:g} s per {}", settings.limits.requests, seconds,
                                 settings.key == KeyBy::user ? "user" : "client IP");
  if (settings.backend == Backend::local) {
    return text + ", counted in this process";
  }
  const RedisSettings& redis = settings.redis;
  return text + fmt::format(
                    ", counted in Redis at {}:{} (database {}{}, key prefix {}, {} connections, "
                    "timeout {} ms, on_error {})",
                    redis.host, redis.port, redis.database,
                    redis.password.empty() ? "" : ", with a password", common::quoted(redis.prefix),
                    connections, redis.timeout.count(),
                    redis.on_error == OnError::allow ? "allow" : "deny");
}

}  // namespace

RateLimiterPlugin::RateLimiterPlugin(sdk::PluginContext& context)
    : settings_(parse_settings(context.settings())), decisions_(settings_.limits, settings_.redis) {
  if (settings_.backend == Backend::local) {
    local_ = carried_limiter(context.name(), settings_.limits);
  } else {
    // One connection per io thread, as the design sizes the pool.
    redis_ = std::make_unique<RedisLimiter>(settings_.redis, settings_.limits,
                                            context.worker_count(), context.logger());
  }
  context.log().info("{}", describe(settings_, redis_ ? redis_->connections() : 0));
}

std::string RateLimiterPlugin::key_of(const sdk::Connection& conn,
                                      const sdk::Request& request) const {
  if (settings_.key == KeyBy::user) {
    return limit_key_for(request.attribute(sdk::attribute_user), conn.client_key());
  }
  return ip_limit_key(conn.client_key());
}

sdk::Decision RateLimiterPlugin::on_request(const sdk::Connection& conn, sdk::Request& request) {
  const std::string key = key_of(conn, request);
  if (redis_) {
    return ask_redis(conn, key);
  }
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const Admission admission = local_->admit(key, now);
  return admission.allowed ? decisions_.allowed() : decisions_.limited(admission.retry_after);
}

sdk::Decision RateLimiterPlugin::ask_redis(const sdk::Connection& conn, const std::string& key) {
  // Known at once: nothing to wait for, so no deferral.
  if (redis_->ready_connections() == 0) {
    return decisions_.on_error(RemoteVerdict::unavailable);
  }
  if (!redis_->can_ask()) {
    return decisions_.on_error(RemoteVerdict::overloaded);
  }
  // The sink may be answered before ask() returns (overloaded after all): the host takes
  // a completion made inside the hook as the hook's answer.
  redis_->ask(key, conn.worker(), std::make_unique<CompletionSink>(conn.defer(), decisions_));
  return sdk::Decision::deferred();
}

}  // namespace proxy::plugins::rate_limiter
