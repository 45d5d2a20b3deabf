#include "rfc3339.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace proxy::plugins::json_log {

std::string format_rfc3339_ms(std::int64_t unix_ms) {
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

  char text[32];
  const int length = std::snprintf(
      text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
  return std::string(text, static_cast<std::size_t>(length));
}

}  // namespace proxy::plugins::json_log
