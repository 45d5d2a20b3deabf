#pragma once

#include <string_view>

namespace proxy::plugins::rate_limiter {

// The sliding-window counter of window_counter.hpp as one Lua script, so that a decision
// is one atomic step in Redis whichever instance asks. It follows admit_one() step for
// step, in the same integers (Lua 5.1 numbers are doubles, exact below 2^53, and every
// intermediate stays below 2^49), so both backends answer the same on the same sequence.
//
//   EVALSHA <sha> 1 <key> <requests> <window_ms> [<now_ms>]
//
// - The counter is a hash under <key>: fields start, latest, previous, current.
// - <now_ms> is Redis's own clock (TIME) unless given: one clock for every instance,
//   whatever their own clocks say. Tests pass it to replay exact sequences.
// - Returns {1, 0} when admitted (and counted), {0, retry_after_ms} when refused.
// - The key expires 2 x window after its last use: by then the counter would have
//   forgotten everything anyway (admit_one() treats two idle windows as a fresh start).
std::string_view sliding_window_script();

}  // namespace proxy::plugins::rate_limiter
