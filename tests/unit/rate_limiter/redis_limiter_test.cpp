// The Redis backend against a real redis-server: answers, the deadline, a Redis that
// hangs, dies and comes back, the in-flight bound, a flushed script cache, passwords.
#include "redis_limiter.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include "redis_server.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test_support::RedisServer;

// The backend's log lines, readable while its thread writes more.
class CapturedLog final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string str() {
    const std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

// Every answer the backend gave, with the times; counts calls per question so that a
// second answer to one question shows.
class Answers {
 public:
  struct Got {
    RemoteAnswer answer;
    Clock::time_point at;
  };

  class Sink final : public AnswerSink {
   public:
    Sink(Answers& answers, std::size_t id) : answers_(answers), id_(id) {}
    void answer(const RemoteAnswer& answer) override { answers_.add(id_, answer); }

   private:
    Answers& answers_;
    std::size_t id_;
  };

  std::unique_ptr<AnswerSink> sink() {
    const std::lock_guard lock(mutex_);
    calls_.push_back(0);
    got_.emplace_back();
    return std::make_unique<Sink>(*this, calls_.size() - 1);
  }

  // Waits until `count` questions have their answer.
  bool wait_for(std::size_t count, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return answered_ >= count; });
  }

  Got get(std::size_t id) {
    const std::lock_guard lock(mutex_);
    return got_.at(id);
  }
  std::vector<int> calls() {
    const std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  void add(std::size_t id, const RemoteAnswer& answer) {
    const std::lock_guard lock(mutex_);
    if (calls_[id]++ == 0) {
      got_[id] = Got{answer, Clock::now()};
      ++answered_;
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int> calls_;
  std::vector<Got> got_;
  std::size_t answered_ = 0;
};

class RedisLimiterTest : public ::testing::Test {
 protected:
  std::shared_ptr<spdlog::logger> logger() {
    auto logger = std::make_shared<spdlog::logger>("rate_limiter", log_);
    logger->set_level(spdlog::level::trace);
    return logger;
  }

  RedisSettings settings_for(const RedisServer& redis) {
    RedisSettings settings;
    settings.port = redis.port();
    settings.timeout = 200ms;
    settings.prefix = "test:";
    return settings;
  }

  static bool wait_ready(const RedisLimiter& limiter, std::chrono::milliseconds limit = 10s) {
    const auto deadline = Clock::now() + limit;
    while (limiter.ready_connections() < limiter.connections()) {
      if (Clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  // Asks once and waits for the answer.
  RemoteAnswer ask(RedisLimiter& limiter, const std::string& key) {
    const std::size_t id = answers_.calls().size();
    limiter.ask(key, 0, answers_.sink());
    EXPECT_TRUE(answers_.wait_for(id + 1));
    return answers_.get(id).answer;
  }

  std::shared_ptr<CapturedLog> log_ = std::make_shared<CapturedLog>();
  Answers answers_;
};

TEST_F(RedisLimiterTest, AdmitsUpToTheLimitThenRefusesWithAWait) {
  RedisServer redis;
  RedisLimiter limiter(settings_for(redis), Limits{3, 60s, 10}, 2, logger());
  ASSERT_TRUE(wait_ready(limiter)) << log_->str();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ask(limiter, "10.0.0.1").verdict, RemoteVerdict::allowed) << i;
  }
  const RemoteAnswer refused = ask(limiter, "10.0.0.1");
  EXPECT_EQ(refused.verdict, RemoteVerdict::limited);
  EXPECT_GT(refused.retry_after, 0ms);
  EXPECT_LE(refused.retry_after, 60s + 1ms);
  EXPECT_EQ(ask(limiter, "10.0.0.2").verdict, RemoteVerdict::allowed);  // another key
  // The prefix is Redis's key; the counter is the script's hash.
  const auto client = redis.client();
  const auto current = RedisServer::command(client.get(), {"HGET", "test:10.0.0.1", "current"});
  ASSERT_EQ(current->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(current->str), "3");
  EXPECT_EQ(limiter.in_flight(), 0U);
}

TEST_F(RedisLimiterTest, TwoPoolsOnOneRedisShareTheLimit) {
  RedisServer redis;
  RedisLimiter first(settings_for(redis), Limits{4, 60s, 10}, 2, logger());
  RedisLimiter second(settings_for(redis), Limits{4, 60s, 10}, 2, logger());
  ASSERT_TRUE(wait_ready(first));
  ASSERT_TRUE(wait_ready(second));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(ask(i % 2 == 0 ? first : second, "shared").verdict, RemoteVerdict::allowed);
  }
  EXPECT_EQ(ask(first, "shared").verdict, RemoteVerdict::limited);
  EXPECT_EQ(ask(second, "shared").verdict, RemoteVerdict::limited);
}

TEST_F(RedisLimiterTest, AHungRedisCostsTimeoutAndEachQuestionIsAnsweredOnce) {
  RedisServer redis;
  RedisLimiter limiter(settings_for(redis), Limits{100, 60s, 10}, 1, logger());
  ASSERT_TRUE(wait_ready(limiter));
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);

  redis.pause();
  const std::size_t first = answers_.calls().size();
  const Clock::time_point asked = Clock::now();
  for (int i = 0; i < 5; ++i) {
    limiter.ask("k", 0, answers_.sink());
  }
  ASSERT_TRUE(answers_.wait_for(first + 5, 5s));
  for (std::size_t id = first; id < first + 5; ++id) {
    const Answers::Got got = answers_.get(id);
    EXPECT_EQ(got.answer.verdict, RemoteVerdict::timeout);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(got.at - asked);
    EXPECT_GE(waited, 190ms);
    EXPECT_LT(waited, 1000ms) << "timeout_ms is 200";
  }
  // The commands are still owed by Redis: they hold their in-flight slots meanwhile.
  EXPECT_EQ(limiter.in_flight(), 5U);

  // Redis wakes up and answers them late: nobody is answered twice.
  redis.resume();
  const auto deadline = Clock::now() + 5s;
  while (limiter.in_flight() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(limiter.in_flight(), 0U);
  for (const int calls : answers_.calls()) {
    EXPECT_EQ(calls, 1);
  }
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);
}

TEST_F(RedisLimiterTest, AConnectionUnansweredForLongIsMadeAgain) {
  RedisServer redis;
  RedisLimiter limiter(settings_for(redis), Limits{100, 60s, 10}, 1, logger());
  ASSERT_TRUE(wait_ready(limiter));
  redis.pause();
  limiter.ask("k", 0, answers_.sink());
  // Stall detection (at least 1 s, 4 x timeout_ms here: 800 ms -> 1 s) gives it up.
  const auto deadline = Clock::now() + 5s;
  while (limiter.ready_connections() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(limiter.ready_connections(), 0U) << log_->str();
  EXPECT_EQ(limiter.in_flight(), 0U);  // the owed reply went with the connection
  // Nothing ready: a question is answered at once, not after timeout_ms.
  EXPECT_FALSE(limiter.can_ask());
  const Clock::time_point asked = Clock::now();
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::unavailable);
  EXPECT_LT(Clock::now() - asked, 150ms);
  redis.resume();
  EXPECT_TRUE(wait_ready(limiter, 10s)) << log_->str();
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);
}

TEST_F(RedisLimiterTest, AKilledRedisIsUnavailableAtOnceAndARestartedOneIsUsedAgain) {
  RedisServer redis;
  RedisLimiter limiter(settings_for(redis), Limits{100, 60s, 10}, 2, logger());
  ASSERT_TRUE(wait_ready(limiter));
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);
  redis.kill();
  const auto deadline = Clock::now() + 5s;
  while (limiter.ready_connections() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(limiter.ready_connections(), 0U);
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::unavailable);
  EXPECT_NE(log_->str().find("connecting again with backoff"), std::string::npos) << log_->str();

  const Clock::time_point restarted = Clock::now();
  redis.start();
  ASSERT_TRUE(wait_ready(limiter, 10s)) << log_->str();
  // The backoff is at most 2 s (with jitter, 2.4 s) between attempts.
  EXPECT_LT(Clock::now() - restarted, 4s);
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);
  EXPECT_NE(log_->str().find("ready again after"), std::string::npos) << log_->str();
}

TEST_F(RedisLimiterTest, BeyondMaxInFlightAQuestionIsOverloadedAtOnce) {
  RedisServer redis;
  RedisSettings settings = settings_for(redis);
  settings.max_in_flight = 3;
  settings.timeout = 2000ms;
  RedisLimiter limiter(settings, Limits{100, 60s, 10}, 1, logger());
  ASSERT_TRUE(wait_ready(limiter));
  redis.pause();
  for (int i = 0; i < 3; ++i) {
    limiter.ask("k", 0, answers_.sink());
  }
  EXPECT_FALSE(limiter.can_ask());
  const std::size_t id = answers_.calls().size();
  limiter.ask("k", 0, answers_.sink());  // answered inside ask()
  EXPECT_EQ(answers_.calls()[id], 1);
  EXPECT_EQ(answers_.get(id).answer.verdict, RemoteVerdict::overloaded);
  redis.resume();
  ASSERT_TRUE(answers_.wait_for(4));
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(answers_.get(i).answer.verdict, RemoteVerdict::allowed);
  }
}

TEST_F(RedisLimiterTest, AFlushedScriptCacheIsLoadedAgain) {
  RedisServer redis;
  RedisLimiter limiter(settings_for(redis), Limits{2, 60s, 10}, 1, logger());
  ASSERT_TRUE(wait_ready(limiter));
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);
  const auto client = redis.client();
  RedisServer::command(client.get(), {"SCRIPT", "FLUSH"});
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);  // NOSCRIPT, load, retry
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::limited);
  EXPECT_EQ(log_->str().find("error reply"), std::string::npos) << log_->str();
}

TEST_F(RedisLimiterTest, APasswordIsSentAndNeverLogged) {
  const std::string password = "pw-7f3a9c1e-never-logged";
  RedisServer redis(password);
  RedisSettings settings = settings_for(redis);
  settings.password = password;
  {
    RedisLimiter limiter(settings, Limits{1, 60s, 10}, 2, logger());
    ASSERT_TRUE(wait_ready(limiter)) << log_->str();
    EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);
    EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::limited);
  }
  settings.password = password + "-wrong";
  {
    RedisLimiter limiter(settings, Limits{1, 60s, 10}, 1, logger());
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(limiter.ready_connections(), 0U);
    EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::unavailable);
  }
  settings.password.clear();
  {
    RedisLimiter limiter(settings, Limits{1, 60s, 10}, 1, logger());
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(limiter.ready_connections(), 0U);  // NOAUTH to SCRIPT LOAD
  }
  const std::string log = log_->str();
  EXPECT_NE(log.find("refused during setup"), std::string::npos) << log;
  EXPECT_EQ(log.find(password), std::string::npos) << log;
  EXPECT_EQ(log.find("pw-7f3a9c1e"), std::string::npos) << log;
}

TEST_F(RedisLimiterTest, SelectsTheDatabase) {
  RedisServer redis;
  RedisSettings settings = settings_for(redis);
  settings.database = 5;
  RedisLimiter limiter(settings, Limits{1, 60s, 10}, 1, logger());
  ASSERT_TRUE(wait_ready(limiter));
  EXPECT_EQ(ask(limiter, "k").verdict, RemoteVerdict::allowed);
  const auto client = redis.client();
  EXPECT_EQ(RedisServer::command(client.get(), {"EXISTS", "test:k"})->integer, 0);
  RedisServer::command(client.get(), {"SELECT", "5"});
  EXPECT_EQ(RedisServer::command(client.get(), {"EXISTS", "test:k"})->integer, 1);
}

TEST_F(RedisLimiterTest, NoRedisAtAllAnswersUnavailableAndStopsCleanly) {
  RedisSettings settings;
  settings.port = 1;  // nothing listens there
  settings.timeout = 100ms;
  const std::size_t id = answers_.calls().size();
  {
    RedisLimiter limiter(settings, Limits{1, 60s, 10}, 2, logger());
    EXPECT_EQ(limiter.ready_connections(), 0U);
    limiter.ask("k", 0, answers_.sink());
    ASSERT_TRUE(answers_.wait_for(id + 1, 2s));
    EXPECT_EQ(answers_.get(id).answer.verdict, RemoteVerdict::unavailable);
  }
  EXPECT_EQ(answers_.calls()[id], 1);
}

TEST_F(RedisLimiterTest, StoppingAnswersEveryWaitingQuestionOnce) {
  RedisServer redis;
  RedisSettings settings = settings_for(redis);
  settings.timeout = 10s;
  {
    RedisLimiter limiter(settings, Limits{100, 60s, 10}, 2, logger());
    ASSERT_TRUE(wait_ready(limiter));
    redis.pause();
    for (int i = 0; i < 10; ++i) {
      limiter.ask("k", static_cast<std::uint32_t>(i), answers_.sink());
    }
    std::this_thread::sleep_for(50ms);
  }  // long before timeout_ms
  redis.resume();
  ASSERT_TRUE(answers_.wait_for(10, 1s));
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(answers_.get(i).answer.verdict, RemoteVerdict::unavailable);
  }
  for (const int calls : answers_.calls()) {
    EXPECT_EQ(calls, 1);
  }
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
