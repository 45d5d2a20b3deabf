#include "verify_pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_hashes.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

using namespace std::chrono_literals;

// A check that waits until released, so tests can fill the queue deterministically.
class Gate {
 public:
  CheckResult check(std::string_view password) {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    return password == "right" ? CheckResult::match : CheckResult::mismatch;
  }
  void wait_entered(int count) {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(changed_.wait_for(lock, 10s, [&] { return entered_ >= count; }));
  }
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  CheckFn fn() {
    return [this](std::string_view password, const std::string&, CryptScratch&) {
      return check(password);
    };
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

// Collects outcomes from pool threads.
class Outcomes {
 public:
  VerifyDone add() {
    return [this](VerifyOutcome outcome) {
      const std::lock_guard lock(mutex_);
      outcomes_.push_back(outcome);
      changed_.notify_all();
    };
  }
  std::vector<VerifyOutcome> wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 10s, [&] { return outcomes_.size() >= count; });
    return outcomes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<VerifyOutcome> outcomes_;
};

TEST(VerifyPool, ChecksRealHashesOffTheCallingThread) {
  VerifyPool pool(2, 8);
  const std::string hash = testing::bcrypt_hash("pw");
  std::promise<std::pair<VerifyOutcome, std::thread::id>> right;
  std::promise<VerifyOutcome> wrong;
  ASSERT_TRUE(pool.submit("pw", hash, [&](VerifyOutcome o) {
    right.set_value({o, std::this_thread::get_id()});
  }));
  ASSERT_TRUE(pool.submit("nope", hash, [&](VerifyOutcome o) { wrong.set_value(o); }));
  auto [outcome, thread] = right.get_future().get();
  EXPECT_EQ(outcome, VerifyOutcome::match);
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_EQ(wrong.get_future().get(), VerifyOutcome::mismatch);
  EXPECT_EQ(pool.threads(), 2U);
}

TEST(VerifyPool, AFullQueueRefusesAtOnceWithoutCallingBack) {
  Gate gate;
  Outcomes outcomes;
  {
    VerifyPool pool(1, 2, gate.fn());
    ASSERT_TRUE(pool.submit("right", "h", outcomes.add()));  // taken by the thread
    gate.wait_entered(1);
    ASSERT_TRUE(pool.submit("right", "h", outcomes.add()));  // queued
    ASSERT_TRUE(pool.submit("wrong", "h", outcomes.add()));  // queued: now full
    EXPECT_EQ(pool.queued(), 2U);
    bool called = false;
    EXPECT_FALSE(pool.submit("right", "h", [&](VerifyOutcome) { called = true; }));
    EXPECT_EQ(pool.queued(), 2U);
    gate.open();
    const auto done = outcomes.wait_for(3);
    ASSERT_EQ(done.size(), 3U);
    EXPECT_EQ(done[0], VerifyOutcome::match);
    EXPECT_EQ(done[1], VerifyOutcome::match);
    EXPECT_EQ(done[2], VerifyOutcome::mismatch);
    EXPECT_FALSE(called);
    // Room again once the thread has drained the queue.
    ASSERT_TRUE(pool.submit("right", "h", outcomes.add()));
    EXPECT_EQ(outcomes.wait_for(4).size(), 4U);
  }
}

TEST(VerifyPool, StoppingCancelsQueuedJobsAndFinishesTheRunningOne) {
  Gate gate;
  Outcomes outcomes;
  auto pool = std::make_unique<VerifyPool>(1, 4, gate.fn());
  ASSERT_TRUE(pool->submit("right", "h", outcomes.add()));
  gate.wait_entered(1);
  ASSERT_TRUE(pool->submit("right", "h", outcomes.add()));
  ASSERT_TRUE(pool->submit("right", "h", outcomes.add()));
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    gate.open();
  });
  pool.reset();  // returns once the running check finished
  opener.join();
  const auto done = outcomes.wait_for(3);
  ASSERT_EQ(done.size(), 3U);
  // The queued two are cancelled as the pool stops; the running one finishes after.
  EXPECT_EQ(std::count(done.begin(), done.end(), VerifyOutcome::cancelled), 2);
  EXPECT_EQ(std::count(done.begin(), done.end(), VerifyOutcome::match), 1);
}

TEST(VerifyPool, ACheckThatThrowsIsAnError) {
  VerifyPool pool(1, 1, [](std::string_view, const std::string&, CryptScratch&) -> CheckResult {
    throw std::runtime_error("boom");
  });
  Outcomes outcomes;
  ASSERT_TRUE(pool.submit("pw", "h", outcomes.add()));
  const auto done = outcomes.wait_for(1);
  ASSERT_EQ(done.size(), 1U);
  EXPECT_EQ(done[0], VerifyOutcome::error);
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
