#pragma once

#include <cstdint>
#include <limits>

namespace proxy::plugins::rate_limiter {

// The sliding-window counter of one client, and all of its arithmetic.
//
// Time is cut into fixed windows of `window` milliseconds, aligned on multiples of
// `window` from the clock's epoch. A client keeps how many requests were admitted in the
// current fixed window and in the one before. At `now`, with `remaining` = the time left
// until the current fixed window ends (1 to window), the previous window's requests are
// taken as spread evenly over it, so the part of them still inside the sliding window
// (now - window, now] is previous x remaining / window. A request is admitted when
//
//     current + floor(previous x remaining / window) < requests
//
// Because requests - current is an integer, this is exactly the rational comparison
// previous x remaining < (requests - current) x window: the floor loses nothing.
//
// Meant to be copied step for step (a Redis backend will run it as a Lua script):
// - every value is an integer: times and durations in milliseconds, counts in requests;
// - requests <= 2^32 - 1, window <= 86,400,000 ms (< 2^27), counts <= requests, and
//   |now| < 2^62 ms (a nanosecond clock in milliseconds is below 2^54);
// - products are formed only by mul_div(), whose intermediates stay below 2^49, so Lua 5.1
//   numbers (doubles, exact to 2^53) hold them exactly and floor(a / b) of them is exact.
// No floating point is involved here.

inline constexpr std::uint64_t max_requests = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::int64_t max_window_ms = 86'400'000;

// Constant size whatever `requests` is. A client never seen is a default WindowCounter.
//
// @par Thread Safety
// None: the owner (a limiter shard's mutex) serialises admit_one() on one counter.
struct WindowCounter {
  std::int64_t window_start = 0;  // ms; start of the current fixed window
  // ms; the latest time seen. An earlier `now` (callers racing for the lock, a clock
  // stepping back) is taken as this one: time does not move backwards.
  std::int64_t latest = std::numeric_limits<std::int64_t>::min();
  std::uint32_t previous = 0;  // admitted in the fixed window before the current one
  std::uint32_t current = 0;   // admitted in the current fixed window
};

struct Verdict {
  bool allowed = true;
  // When refused: milliseconds from `now` to the earliest time a request is admitted
  // again, at least 1. Zero when allowed.
  std::int64_t retry_after_ms = 0;
};

// Moves `counter` to `now` (ms), then admits one request (counting it) or refuses it
// (counting nothing). requests: 1 to max_requests; window: 1 to max_window_ms.
//
// The steps, in order:
// 1. now = max(now, latest); latest = now.
// 2. start = now - floor_mod(now, window). If start differs from window_start: previous =
//    current when start is exactly one window later, else 0 (two windows or more idle);
//    current = 0; window_start = start.
// 3. remaining = window - (now - start); weighted = floor(previous x remaining / window).
// 4. current + weighted < requests: current += 1, admitted.
// 5. Refused, with the wait until the estimate first drops below the limit:
//    - current < requests: the estimate falls as remaining shrinks. The longest
//      remaining that admits is the largest r with previous x r < (requests - current) x
//      window, i.e. r = ceil((requests - current) x window / previous) - 1; wait =
//      remaining - r (r = 0 is the next window's start, where previous = current).
//    - current = requests: no time in this window admits, nor the next window's start
//      (previous = requests weighs in full there); one millisecond later it does:
//      wait = remaining + 1.
Verdict admit_one(WindowCounter& counter, std::int64_t now, std::uint64_t requests,
                  std::int64_t window);

struct QuotientRemainder {
  std::uint64_t quotient = 0;
  std::uint64_t remainder = 0;
};

// a x b / d as quotient and remainder, for a, b, d < 2^32 and d > 0, computed through
// 16-bit halves of `a` so that no intermediate reaches 2^49 (see above). Both uses in
// admit_one() have quotients below 2^32.
QuotientRemainder mul_div(std::uint64_t a, std::uint64_t b, std::uint64_t d);

}  // namespace proxy::plugins::rate_limiter
