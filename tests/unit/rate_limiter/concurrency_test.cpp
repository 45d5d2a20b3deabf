// Several threads at once on one limiter (run under ASan/UBSan in CI, and TSan when
// asked): the totals must come out exact and the cap must hold.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;

constexpr int thread_count = 8;

TEST(SlidingWindowLimiterThreads, SharedClientGetsExactlyItsBudget) {
  constexpr std::uint64_t budget = 1000;
  SlidingWindowLimiter limiter(Limits{budget, 1s, 1000});
  std::atomic<std::uint64_t> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        // Time stands still: the window never slides, so exactly `budget` pass.
        if (limiter.admit("shared", 1000s).allowed) {
          admitted.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(admitted.load(), budget);
}

TEST(SlidingWindowLimiterThreads, ManyClientsWithEvictionStayUnderTheCap) {
  constexpr std::size_t cap = 257;
  SlidingWindowLimiter limiter(Limits{3, 1s, cap});
  std::atomic<bool> over_cap{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const std::string key = "10." + std::to_string(t) + "." + std::to_string(i % 1000);
        limiter.admit(key, std::chrono::milliseconds(i));
        if (i % 500 == 0 && limiter.tracked_clients() > cap) {
          over_cap = true;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_FALSE(over_cap.load());
  EXPECT_EQ(limiter.tracked_clients(), cap);
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
