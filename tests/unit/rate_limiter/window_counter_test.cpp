#include "window_counter.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include <gtest/gtest.h>

namespace proxy::plugins::rate_limiter {
namespace {

constexpr std::int64_t window = 1000;        // ms
constexpr std::int64_t t0 = 1'000'000;       // ms; a window start (a multiple of `window`)
constexpr std::uint64_t top = max_requests;  // 2^32 - 1

// One client under fixed limits.
struct Client {
  std::uint64_t requests;
  std::int64_t window_ms = window;
  WindowCounter counter{};

  Verdict at(std::int64_t now) { return admit_one(counter, now, requests, window_ms); }
  int admitted_at(std::int64_t now, int tries) {
    int admitted = 0;
    for (int i = 0; i < tries; ++i) {
      admitted += at(now).allowed ? 1 : 0;
    }
    return admitted;
  }
};

TEST(WindowCounter, AdmitsExactlyTheLimitInAFreshWindow) {
  Client client{3};
  EXPECT_TRUE(client.at(t0 + 500).allowed);
  EXPECT_TRUE(client.at(t0 + 500).allowed);
  EXPECT_TRUE(client.at(t0 + 500).allowed);  // the third: 2 + 0 < 3
  const Verdict fourth = client.at(t0 + 500);
  EXPECT_FALSE(fourth.allowed);
  // The whole budget is in this window: nothing until 1 ms past its end.
  EXPECT_EQ(fourth.retry_after_ms, 500 + 1);
  EXPECT_EQ(client.counter.current, 3U);
}

TEST(WindowCounter, AFullWindowStillWeighsInFullAtTheNextStart) {
  Client client{3};
  ASSERT_EQ(client.admitted_at(t0, 3), 3);
  EXPECT_EQ(client.at(t0 + 999).retry_after_ms, 2);  // 1 ms left, then 1 ms more

  const Verdict at_start = client.at(t0 + window);  // previous 3 x 1000/1000 = 3
  EXPECT_FALSE(at_start.allowed);
  EXPECT_EQ(at_start.retry_after_ms, 1);
  EXPECT_EQ(client.counter.previous, 3U);
  EXPECT_EQ(client.counter.current, 0U);

  EXPECT_EQ(client.admitted_at(t0 + window + 1, 5), 1);  // floor(3 x 999/1000) = 2
}

TEST(WindowCounter, RollOverCarriesTheWeightedPreviousWindow) {
  Client client{2};
  ASSERT_EQ(client.admitted_at(t0 + 999, 2), 2);
  EXPECT_EQ(client.at(t0 + 1000).retry_after_ms, 1);
  ASSERT_TRUE(client.at(t0 + 1001).allowed);  // 0 + floor(2 x 999/1000) = 1 < 2
  const Verdict refused = client.at(t0 + 1001);
  EXPECT_FALSE(refused.allowed);
  // 1 + floor(2 x remaining/1000) < 2 needs remaining < 500, i.e. remaining 499 at
  // t0 + 1501.
  EXPECT_EQ(refused.retry_after_ms, 500);
  const Verdict just_before = client.at(t0 + 1500);
  EXPECT_FALSE(just_before.allowed);
  EXPECT_EQ(just_before.retry_after_ms, 1);
  EXPECT_TRUE(client.at(t0 + 1501).allowed);
}

TEST(WindowCounter, WeightOfThePreviousWindowShrinksWithTheElapsedPart) {
  // Ten admitted in one window; in the next, at `elapsed` ms, the previous counts as
  // floor(10 x (1000 - elapsed) / 1000) and the rest of the budget is admitted.
  const std::map<std::int64_t, int> admitted_after{{0, 0},   {1, 1},   {99, 1},  {100, 1},
                                                   {101, 2}, {250, 3}, {500, 5}, {999, 10}};
  for (const auto& [elapsed, expected] : admitted_after) {
    Client client{10};
    ASSERT_EQ(client.admitted_at(t0 + 10, 10), 10);
    EXPECT_EQ(client.admitted_at(t0 + window + elapsed, 20), expected) << elapsed;
  }
}

TEST(WindowCounter, TwoIdleWindowsResetBothCounts) {
  Client client{2};
  ASSERT_EQ(client.admitted_at(t0, 2), 2);

  Client one_later = client;
  ASSERT_FALSE(one_later.at(t0 + window).allowed);
  EXPECT_EQ(one_later.counter.previous, 2U);

  ASSERT_EQ(client.admitted_at(t0 + 2 * window, 3), 2);  // window k+1 had none
  EXPECT_EQ(client.counter.window_start, t0 + 2 * window);
  EXPECT_EQ(client.counter.previous, 0U);
  EXPECT_EQ(client.counter.current, 2U);

  ASSERT_EQ(client.admitted_at(t0 + 7 * window + 3, 1), 1);  // many windows later
  EXPECT_EQ(client.counter.previous, 0U);
  EXPECT_EQ(client.counter.current, 1U);
}

TEST(WindowCounter, RefusedRequestsAreNotCounted) {
  Client client{1};
  ASSERT_TRUE(client.at(t0).allowed);
  for (std::int64_t t = t0; t < t0 + window; t += 10) {
    ASSERT_FALSE(client.at(t).allowed);
  }
  EXPECT_EQ(client.counter.current, 1U);
  EXPECT_EQ(client.counter.previous, 0U);
  // previous 1 x 999/1000 rounds down to 0: admitted 1 ms into the next window.
  EXPECT_FALSE(client.at(t0 + window).allowed);
  EXPECT_TRUE(client.at(t0 + window + 1).allowed);
}

TEST(WindowCounter, OneRequestPerWindow) {
  Client client{1};
  ASSERT_TRUE(client.at(t0 + 999).allowed);
  const Verdict refused = client.at(t0 + 999);
  EXPECT_EQ(refused.retry_after_ms, 2);
  // The approximation at a boundary: two requests 2 ms apart (an exact log would wait
  // a whole window), but never two in one fixed window.
  EXPECT_FALSE(client.at(t0 + 1000).allowed);
  EXPECT_TRUE(client.at(t0 + 1001).allowed);
  EXPECT_EQ(client.at(t0 + 1999).retry_after_ms, 2);
}

TEST(WindowCounter, LargestRequestsCount) {
  // Counts near 2^32 and the longest window: set the state rather than send 4e9 requests.
  const std::int64_t day = max_window_ms;
  const std::int64_t start = 3 * day;
  Client client{top, day, WindowCounter{start, start, 0, static_cast<std::uint32_t>(top - 1)}};
  EXPECT_TRUE(client.at(start + 10).allowed);
  EXPECT_EQ(client.counter.current, top);
  const Verdict refused = client.at(start + 10);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, day - 10 + 1);

  // Next window: previous = 2^32 - 1 weighs floor((2^32 - 1) x (day - 1) / day) =
  // 4294967245 one millisecond in, so 50 are admitted there.
  EXPECT_FALSE(client.at(start + day).allowed);
  EXPECT_EQ(client.admitted_at(start + day + 1, 60), 50);
  // Each millisecond frees about (2^32 - 1) / day = 49.7 more: one later the previous
  // weighs 4294967195, so 50 more.
  const Verdict then = client.at(start + day + 1);
  EXPECT_FALSE(then.allowed);
  EXPECT_EQ(then.retry_after_ms, 1);
  EXPECT_EQ(client.admitted_at(start + day + 2, 60), 50);
}

TEST(WindowCounter, LargestRequestsCountWithAShortWindow) {
  // previous = 2^32 - 1 in a 1000 ms window, 1 ms in: weighted 4290672327 (remainder
  // 705), so 4294967295 - 4290672327 = 4294968 are admitted before the next refusal.
  Client client{top, window, WindowCounter{t0, t0, 0, static_cast<std::uint32_t>(top)}};
  client.counter.latest = t0 + 999;
  ASSERT_FALSE(client.at(t0 + window).allowed);
  client.counter.current = 4294968 - 1;  // as if all but one were admitted at t0 + 1001
  client.counter.latest = t0 + window + 1;
  EXPECT_TRUE(client.at(t0 + window + 1).allowed);
  EXPECT_FALSE(client.at(t0 + window + 1).allowed);
}

TEST(WindowCounter, HugeTimeJumpsResetWithoutOverflow) {
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max() / 1'000'000;  // ms
  Client client{2, max_window_ms};
  ASSERT_EQ(client.admitted_at(-huge, 2), 2);  // before the epoch: windows align too
  EXPECT_EQ(client.counter.window_start % max_window_ms, 0);
  EXPECT_LE(client.counter.window_start, -huge);
  EXPECT_EQ(client.admitted_at(huge, 3), 2);
  EXPECT_EQ(client.counter.previous, 0U);
  EXPECT_LE(client.at(huge).retry_after_ms, max_window_ms + 1);
}

TEST(WindowCounter, TimeGoingBackwardsIsNoMovement) {
  Client client{1};
  ASSERT_TRUE(client.at(t0 + 900).allowed);
  const Verdict back = client.at(t0 + 100);  // taken as t0 + 900
  EXPECT_FALSE(back.allowed);
  EXPECT_EQ(back.retry_after_ms, 100 + 1);
  EXPECT_EQ(client.counter.latest, t0 + 900);

  ASSERT_TRUE(client.at(t0 + window + 500).allowed);  // floor(1 x 500/1000) = 0
  // Back into the earlier window: the counter does not roll back to it.
  const Verdict way_back = client.at(t0 + 200);
  EXPECT_FALSE(way_back.allowed);
  EXPECT_EQ(way_back.retry_after_ms, 500 + 1);
  EXPECT_EQ(client.counter.window_start, t0 + window);
  EXPECT_EQ(client.counter.previous, 1U);
  EXPECT_EQ(client.counter.current, 1U);
}

// A reference built from first principles (admitted counts per fixed window, the
// rational comparison) against the counter, over a bursty pattern; and every refusal's
// wait checked to be the earliest admitted time, millisecond by millisecond.
TEST(WindowCounter, MatchesTheFormulaAndRetryAfterIsTheEarliestAdmission) {
  for (std::uint64_t requests = 1; requests <= 6; ++requests) {
    for (const std::int64_t span : {1, 2, 3, 7, 10}) {
      Client client{requests, span};
      std::map<std::int64_t, std::uint64_t> admitted_in;  // fixed window index -> count
      std::uint32_t pattern = 12345;
      for (std::int64_t now = 0; now < 40 * span; ++now) {
        pattern = pattern * 1103515245U + 12345U;
        const int burst = static_cast<int>((pattern >> 16U) % (requests + 2)) - 1;
        for (int i = 0; i < burst; ++i) {
          const std::int64_t index = now / span;
          const std::uint64_t remaining = static_cast<std::uint64_t>(span - now % span);
          const std::uint64_t s = static_cast<std::uint64_t>(span);
          const bool expected =
              admitted_in[index] * s + admitted_in[index - 1] * remaining < requests * s;
          const WindowCounter before = client.counter;
          const Verdict verdict = client.at(now);
          ASSERT_EQ(verdict.allowed, expected)
              << "requests " << requests << " window " << span << " at " << now;
          if (verdict.allowed) {
            ++admitted_in[index];
            continue;
          }
          ASSERT_GE(verdict.retry_after_ms, 1);
          Client probe{requests, span, before};
          for (std::int64_t t = now; t < now + verdict.retry_after_ms; ++t) {
            ASSERT_FALSE(probe.at(t).allowed) << "admitted before the wait, at " << t;
          }
          ASSERT_TRUE(probe.at(now + verdict.retry_after_ms).allowed)
              << "requests " << requests << " window " << span << " at " << now;
        }
      }
    }
  }
}

TEST(MulDiv, EqualsTheDirectProduct) {
  const std::vector<std::uint64_t> values{0,     1,     2,          3,        999,     1000, 65535,
                                          65536, 65537, 86'400'000, 1u << 31, top - 1, top};
  for (const std::uint64_t a : values) {
    for (const std::uint64_t b : values) {
      for (const std::uint64_t d : values) {
        if (d == 0) {
          continue;
        }
        const QuotientRemainder got = mul_div(a, b, d);
        ASSERT_EQ(got.quotient, a * b / d) << a << " " << b << " " << d;
        ASSERT_EQ(got.remainder, a * b % d) << a << " " << b << " " << d;
      }
    }
  }
}

// What a Lua 5.1 script computes: the same steps on doubles, with floor(a / b) and
// a % b = a - floor(a / b) * b. Exact for every input in range, so a mirror agrees.
TEST(MulDiv, SameStepsOnDoublesAreExact) {
  const auto lua_mod = [](double a, double b) { return a - std::floor(a / b) * b; };
  const auto lua_mul_div = [&](double a, double b, double d) {
    const double half = 65536;
    const double high = std::floor(a / half) * b;
    const double low = lua_mod(high, d) * half + lua_mod(a, half) * b;
    return std::floor(high / d) * half + std::floor(low / d);
  };
  std::uint64_t state = 88172645463325252ULL;  // xorshift64
  const auto next = [&] {
    state ^= state << 13U;
    state ^= state >> 7U;
    state ^= state << 17U;
    return state;
  };
  for (int i = 0; i < 200000; ++i) {
    // The two uses in admit_one(): previous x remaining / window, where remaining <=
    // window, and room x window / previous, where room <= previous.
    const std::uint64_t span = next() % max_window_ms + 1;
    const std::uint64_t big = i % 2 == 0 ? top - next() % 1000 : next() % (top + 1);
    const std::uint64_t small = next() % span + 1;
    const std::uint64_t room = big == 0 ? 0 : next() % big + 1;
    const double first = lua_mul_div(static_cast<double>(big), static_cast<double>(small),
                                     static_cast<double>(span));
    ASSERT_EQ(first, static_cast<double>(big * small / span)) << big << " " << small << " " << span;
    if (big > 0) {
      const double second = lua_mul_div(static_cast<double>(room), static_cast<double>(span),
                                        static_cast<double>(big));
      ASSERT_EQ(second, static_cast<double>(room * span / big))
          << room << " " << span << " " << big;
    }
  }
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
