#include "redis_script.hpp"

namespace proxy::plugins::rate_limiter {

std::string_view sliding_window_script() {
  // Numbers written back with %.0f: exact for integers below 2^53, where Redis's own
  // number-to-string conversion keeps 14 digits only.
  static constexpr std::string_view script = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local requests = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- a x b / d as quotient and remainder through 16-bit halves of a: below 2^49 throughout
local function mul_div(a, b, d)
  local half = 65536
  local high = math.floor(a / half) * b
  local low = (high % d) * half + (a % half) * b
  return math.floor(high / d) * half + math.floor(low / d), low % d
end

local state = redis.call('HMGET', key, 'start', 'latest', 'previous', 'current')
local window_start = tonumber(state[1]) or 0
local latest = tonumber(state[2])
local previous = tonumber(state[3]) or 0
local current = tonumber(state[4]) or 0

-- 1. Time never moves backwards.
if latest ~= nil and latest > now then now = latest end

-- 2. Roll the fixed windows forward.
local start = now - now % window
if start ~= window_start then
  if start - window_start == window then previous = current else previous = 0 end
  current = 0
  window_start = start
end

-- 3. The previous window's share of the sliding window.
local remaining = window - (now - start)
local weighted = mul_div(previous, remaining, window)

-- 4. Admit, or 5. refuse with the wait until a request is admitted again.
local allowed, wait = 0, 0
if current + weighted < requests then
  current = current + 1
  allowed = 1
elseif current < requests then
  local quotient, remainder = mul_div(requests - current, window, previous)
  local longest = quotient
  if remainder == 0 then longest = quotient - 1 end
  wait = remaining - longest
else
  wait = remaining + 1
end

local function text(n) return string.format('%.0f', n) end
redis.call('HSET', key, 'start', text(window_start), 'latest', text(now),
           'previous', text(previous), 'current', text(current))
redis.call('PEXPIRE', key, text(2 * window))
return {allowed, wait}
)lua";
  return script;
}

}  // namespace proxy::plugins::rate_limiter
