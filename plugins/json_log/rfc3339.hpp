#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace proxy::plugins::json_log {

// "2026-11-27T05:14:07.123Z": always this many characters.
inline constexpr std::size_t rfc3339_ms_length = 24;

// RFC 3339 UTC with milliseconds, e.g. "2026-11-27T05:14:07.123Z", for a time in
// milliseconds since the Unix epoch. RFC 3339 years have four digits: times outside
// 0000-01-01 .. 9999-12-31 are clamped to those bounds.
std::string format_rfc3339_ms(std::int64_t unix_ms);

// The same text written to out[0 .. rfc3339_ms_length), without a terminating NUL and
// without allocating.
void write_rfc3339_ms(char* out, std::int64_t unix_ms);

}  // namespace proxy::plugins::json_log
