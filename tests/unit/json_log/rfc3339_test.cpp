#include "rfc3339.hpp"

#include <cctype>
#include <limits>
#include <string_view>

#include <gtest/gtest.h>

namespace proxy::plugins::json_log {
namespace {

TEST(Rfc3339, UnixEpoch) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339, MillisecondsAreKeptAndZeroPadded) {
  EXPECT_EQ(format_rfc3339_ms(1795756447123), "2026-11-27T05:14:07.123Z");
  EXPECT_EQ(format_rfc3339_ms(1795756447007), "2026-11-27T05:14:07.007Z");
  EXPECT_EQ(format_rfc3339_ms(1795756447000), "2026-11-27T05:14:07.000Z");
}

TEST(Rfc3339, CalendarEdges) {
  EXPECT_EQ(format_rfc3339_ms(1709251199999), "2024-02-29T23:59:59.999Z");  // leap day
  EXPECT_EQ(format_rfc3339_ms(951868800000), "2000-03-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");  // floors, not truncates
}

TEST(Rfc3339, OutOfRangeYearsAreClamped) {
  EXPECT_EQ(format_rfc3339_ms(std::numeric_limits<std::int64_t>::max()),
            "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(std::numeric_limits<std::int64_t>::min()),
            "0000-01-01T00:00:00.000Z");
}

// "d" stands for any digit; every other character must match exactly.
bool has_shape(std::string_view text) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != shape.size()) {
    return false;
  }
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(text[i])) != 0;
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) {
      return false;
    }
  }
  return true;
}

TEST(Rfc3339, WritesTheSameTextIntoABuffer) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1795756447123}, std::int64_t{-1},
                          std::numeric_limits<std::int64_t>::max()}) {
    char text[rfc3339_ms_length + 1];
    text[rfc3339_ms_length] = '#';
    write_rfc3339_ms(text, ms);
    EXPECT_EQ(std::string_view(text, rfc3339_ms_length), format_rfc3339_ms(ms));
    EXPECT_EQ(text[rfc3339_ms_length], '#');  // nothing written past the end
  }
}

TEST(Rfc3339, AlwaysTheSameShape) {
  for (std::int64_t ms = -86'400'000; ms < 4'000'000'000'000; ms += 97'654'321'987) {
    EXPECT_TRUE(has_shape(format_rfc3339_ms(ms))) << format_rfc3339_ms(ms);
  }
}

}  // namespace
}  // namespace proxy::plugins::json_log
