#include "rfc3339.hpp"

#include <algorithm>
#include <chrono>

namespace proxy::plugins::json_log {
namespace {

// Writes `value` as exactly `digits` decimal digits (zero-padded) and returns the end.
char* write_digits(char* out, unsigned value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + digits;
}

}  // namespace

void write_rfc3339_ms(char* out, std::int64_t unix_ms) {
  using namespace std::chrono;
  constexpr sys_days first_day = year{0} / January / 1;
  constexpr sys_days after_last_day = year{10000} / January / 1;
  const std::int64_t lowest = duration_cast<milliseconds>(first_day.time_since_epoch()).count();
  const std::int64_t highest =
      duration_cast<milliseconds>(after_last_day.time_since_epoch()).count() - 1;

  const sys_time<milliseconds> time{milliseconds(std::clamp(unix_ms, lowest, highest))};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{time - day};

  out = write_digits(out, static_cast<unsigned>(static_cast<int>(date.year())), 4);
  *out++ = '-';
  out = write_digits(out, static_cast<unsigned>(date.month()), 2);
  *out++ = '-';
  out = write_digits(out, static_cast<unsigned>(date.day()), 2);
  *out++ = 'T';
  out = write_digits(out, static_cast<unsigned>(clock.hours().count()), 2);
  *out++ = ':';
  out = write_digits(out, static_cast<unsigned>(clock.minutes().count()), 2);
  *out++ = ':';
  out = write_digits(out, static_cast<unsigned>(clock.seconds().count()), 2);
  *out++ = '.';
  out = write_digits(out, static_cast<unsigned>(clock.subseconds().count()), 3);
  *out = 'Z';
}

std::string format_rfc3339_ms(std::int64_t unix_ms) {
  std::string text(rfc3339_ms_length, '\0');
  write_rfc3339_ms(text.data(), unix_ms);
  return text;
}

}  // namespace proxy::plugins::json_log
