#pragma once

#include <memory>
#include <string>

#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {

// The local limiter for the rate_limiter instance named `instance`: the one a live
// instance of that name already uses when its limits are the same, else a new one.
//
// A configuration reload creates the new generation's instance while the old one still
// serves open connections; sharing the windows means a reload gives no client a fresh
// allowance (with backend: redis the windows live in Redis anyway). New limits start
// every client's window again, as a restart would.
//
// @par Thread Safety
// Any thread.
std::shared_ptr<SlidingWindowLimiter> carried_limiter(const std::string& instance,
                                                      const Limits& limits);

}  // namespace proxy::plugins::rate_limiter
