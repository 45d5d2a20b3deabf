// The Lua script against admit_one(): the same sequences of (time, request) give the same
// verdicts, waits and counters in a real redis-server as in the local limiter.
#include "redis_script.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "redis_server.hpp"
#include "window_counter.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

using test_support::RedisServer;

class RedisScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = redis_.client();
    const auto loaded = RedisServer::command(
        client_.get(), {"SCRIPT", "LOAD", std::string(sliding_window_script())});
    ASSERT_EQ(loaded->type, REDIS_REPLY_STRING) << (loaded->str != nullptr ? loaded->str : "");
    sha_.assign(loaded->str, loaded->len);
  }

  // One request of `key` at `now` (ms), as the script decides it. This test replays
  // times faster than the clock runs, so the key must not expire in real time in the
  // middle of a replayed window: the script, a look at the TTL it set and PERSIST run as
  // one transaction, in which Redis's clock stands still.
  Verdict run(const std::string& key, std::int64_t now, std::uint64_t requests,
              std::int64_t window) {
    RedisServer::command(client_.get(), {"MULTI"});
    RedisServer::command(client_.get(), {"EVALSHA", sha_, "1", key, std::to_string(requests),
                                         std::to_string(window), std::to_string(now)});
    RedisServer::command(client_.get(), {"PTTL", key});
    RedisServer::command(client_.get(), {"PERSIST", key});
    const auto replies = RedisServer::command(client_.get(), {"EXEC"});
    EXPECT_EQ(replies->type, REDIS_REPLY_ARRAY);
    if (replies->type != REDIS_REPLY_ARRAY || replies->elements != 3) {
      return Verdict{};
    }
    const redisReply* reply = replies->element[0];
    EXPECT_EQ(reply->type, REDIS_REPLY_ARRAY) << (reply->str != nullptr ? reply->str : "");
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
      return Verdict{};
    }
    const long long ttl = replies->element[1]->integer;
    EXPECT_GT(ttl, 0) << key;
    EXPECT_LE(ttl, 2 * window) << key;
    return Verdict{reply->element[0]->integer == 1, reply->element[1]->integer};
  }

  // The counter as the script left it in Redis.
  WindowCounter stored(const std::string& key) {
    const auto reply = RedisServer::command(
        client_.get(), {"HMGET", key, "start", "latest", "previous", "current"});
    WindowCounter counter;
    counter.window_start = std::stoll(reply->element[0]->str);
    counter.latest = std::stoll(reply->element[1]->str);
    counter.previous = static_cast<std::uint32_t>(std::stoull(reply->element[2]->str));
    counter.current = static_cast<std::uint32_t>(std::stoull(reply->element[3]->str));
    return counter;
  }

  // Replays `steps` requests with random gaps (some backwards) through both and compares
  // every answer and the counters after each.
  void compare(const std::string& key, std::uint64_t requests, std::int64_t window,
               std::int64_t start, int steps, std::mt19937_64& random) {
    WindowCounter local;
    std::int64_t now = start;
    std::uniform_int_distribution<std::int64_t> gap(-window / 4, window / 2 + 1);
    std::uniform_int_distribution<int> idle(0, 40);
    for (int i = 0; i < steps; ++i) {
      now += idle(random) == 0 ? 2 * window + gap(random) : gap(random);
      const Verdict expected = admit_one(local, now, requests, window);
      const Verdict got = run(key, now, requests, window);
      ASSERT_EQ(got.allowed, expected.allowed)
          << key << " step " << i << " at " << now << " requests " << requests;
      ASSERT_EQ(got.retry_after_ms, expected.retry_after_ms) << key << " step " << i;
      const WindowCounter remote = stored(key);
      ASSERT_EQ(remote.window_start, local.window_start) << key << " step " << i;
      ASSERT_EQ(remote.latest, local.latest) << key << " step " << i;
      ASSERT_EQ(remote.previous, local.previous) << key << " step " << i;
      ASSERT_EQ(remote.current, local.current) << key << " step " << i;
    }
  }

  RedisServer redis_;
  std::unique_ptr<redisContext, void (*)(redisContext*)> client_{nullptr, redisFree};
  std::string sha_;
};

TEST_F(RedisScriptTest, AnswersAsTheLocalCounterOnRandomSequences) {
  std::mt19937_64 random(20240601);
  int sequence = 0;
  for (const std::uint64_t requests : {1ULL, 2ULL, 3ULL, 7ULL, 100ULL, 4294967295ULL}) {
    for (const std::int64_t window : {1LL, 2LL, 3LL, 7LL, 1000LL, 86'400'000LL}) {
      // Small limits are crossed often; the largest one only shows the arithmetic holds.
      const std::string key = "seq:" + std::to_string(sequence++);
      compare(key, requests, window, 1'700'000'000'000LL, 300, random);
    }
  }
}

TEST_F(RedisScriptTest, AnswersAsTheLocalCounterWithManyRequestsInOneWindow) {
  // Bursts at one instant, then the previous window's weight sliding off: the waits of
  // the "current < requests" branch, where the division's remainder matters.
  for (const std::uint64_t requests : {3ULL, 10ULL, 97ULL}) {
    for (const std::int64_t window : {1000LL, 997LL, 60'000LL}) {
      const std::string key = "burst:" + std::to_string(requests) + ":" + std::to_string(window);
      WindowCounter local;
      const std::int64_t t0 = 1'000'000'000'000LL / window * window;
      std::vector<std::int64_t> times;
      for (std::uint64_t i = 0; i < requests + 2; ++i) {
        times.push_back(t0 + window - 3);  // a burst at the end of one window
      }
      for (std::int64_t t = t0 + window; t < t0 + 2 * window + 5; t += window / 50 + 1) {
        times.push_back(t);  // ... sliding off through the next
      }
      for (const std::int64_t t : times) {
        const Verdict expected = admit_one(local, t, requests, window);
        const Verdict got = run(key, t, requests, window);
        ASSERT_EQ(got.allowed, expected.allowed) << key << " at " << t;
        ASSERT_EQ(got.retry_after_ms, expected.retry_after_ms) << key << " at " << t;
      }
    }
  }
}

TEST_F(RedisScriptTest, UsesRedisTimeWhenNoTimeIsGiven) {
  const auto reply =
      RedisServer::command(client_.get(), {"EVALSHA", sha_, "1", "clock", "1", "60000"});
  ASSERT_EQ(reply->type, REDIS_REPLY_ARRAY);
  EXPECT_EQ(reply->element[0]->integer, 1);
  const auto time = RedisServer::command(client_.get(), {"TIME"});
  const std::int64_t redis_now_ms =
      std::stoll(time->element[0]->str) * 1000 + std::stoll(time->element[1]->str) / 1000;
  const WindowCounter counter = stored("clock");
  EXPECT_LE(counter.latest, redis_now_ms);
  EXPECT_GT(counter.latest, redis_now_ms - 5000);
  EXPECT_EQ(counter.window_start, counter.latest / 60000 * 60000);
  EXPECT_EQ(counter.current, 1U);
  const auto refused =
      RedisServer::command(client_.get(), {"EVALSHA", sha_, "1", "clock", "1", "60000"});
  EXPECT_EQ(refused->element[0]->integer, 0);
  EXPECT_GT(refused->element[1]->integer, 0);
}

TEST_F(RedisScriptTest, TheKeyExpiresTwoWindowsAfterItsLastUse) {
  run("ttl", 5000, 3, 100);  // sets the TTL (then persists it, see run())
  const auto reply =
      RedisServer::command(client_.get(), {"EVALSHA", sha_, "1", "ttl", "3", "100", "5001"});
  ASSERT_EQ(reply->type, REDIS_REPLY_ARRAY);
  const auto ttl = RedisServer::command(client_.get(), {"PTTL", "ttl"});
  EXPECT_GT(ttl->integer, 100);
  EXPECT_LE(ttl->integer, 200);
  // Gone after it: the next request starts afresh, as admit_one() would after two idle
  // windows.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const auto exists = RedisServer::command(client_.get(), {"EXISTS", "ttl"});
  EXPECT_EQ(exists->integer, 0);
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
