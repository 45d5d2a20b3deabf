#include "window_counter.hpp"

#include <algorithm>

namespace proxy::plugins::rate_limiter {
namespace {

// The remainder with the sign of the divisor, so windows before the epoch align too.
std::int64_t floor_mod(std::int64_t value, std::int64_t divisor) {
  const std::int64_t remainder = value % divisor;
  return remainder < 0 ? remainder + divisor : remainder;
}

}  // namespace

Verdict admit_one(WindowCounter& counter, std::int64_t now, std::uint64_t requests,
                  std::int64_t window) {
  // 1. Time never moves backwards.
  now = std::max(now, counter.latest);
  counter.latest = now;

  // 2. Roll the fixed windows forward.
  const std::int64_t start = now - floor_mod(now, window);
  if (start != counter.window_start) {
    counter.previous = start - counter.window_start == window ? counter.current : 0;
    counter.current = 0;
    counter.window_start = start;
  }

  // 3. The previous window's share of the sliding window.
  const auto remaining = static_cast<std::uint64_t>(window - (now - start));
  const auto span = static_cast<std::uint64_t>(window);
  const std::uint64_t weighted = mul_div(counter.previous, remaining, span).quotient;

  // 4. Admit.
  if (counter.current + weighted < requests) {
    ++counter.current;
    return {};
  }

  // 5. Refuse. Here weighted >= requests - current, so previous >= 1 when current <
  // requests, and the division below has a quotient of at most `window`.
  if (counter.current < requests) {
    const std::uint64_t room = requests - counter.current;
    const QuotientRemainder exact = mul_div(room, span, counter.previous);
    const std::uint64_t longest = exact.remainder == 0 ? exact.quotient - 1 : exact.quotient;
    return Verdict{false, static_cast<std::int64_t>(remaining - longest)};
  }
  return Verdict{false, static_cast<std::int64_t>(remaining) + 1};
}

QuotientRemainder mul_div(std::uint64_t a, std::uint64_t b, std::uint64_t d) {
  constexpr std::uint64_t half = std::uint64_t{1} << 16U;
  // a x b = (a_high x half + a_low) x b; divide the high part first, carry its remainder.
  const std::uint64_t high = (a / half) * b;                     // < 2^48
  const std::uint64_t low = (high % d) * half + (a % half) * b;  // < 2^49
  return {(high / d) * half + low / d, low % d};
}

}  // namespace proxy::plugins::rate_limiter
