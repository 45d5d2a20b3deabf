#include "text_format.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::metrics {
namespace {

TEST(TextFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("plain-name_1.0"), "plain-name_1.0");
  EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(escape_label_value(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(escape_label_value("\\\"\n"), R"(\\\"\n)");
  // Other bytes, tabs and UTF-8 included, pass as they are.
  EXPECT_EQ(escape_label_value("tab\there caf\xc3\xa9"), "tab\there caf\xc3\xa9");
}

TEST(TextFormat, HelpEscapesBackslashAndNewlineOnly) {
  EXPECT_EQ(escape_help(R"(a "quoted" \ help)"), R"(a "quoted" \\ help)");
  EXPECT_EQ(escape_help("line\nbreak"), R"(line\nbreak)");
}

TEST(TextFormat, MicrosecondsBecomeExactDecimalSeconds) {
  EXPECT_EQ(format_micros_as_seconds(0), "0");
  EXPECT_EQ(format_micros_as_seconds(1), "0.000001");
  EXPECT_EQ(format_micros_as_seconds(5000), "0.005");
  EXPECT_EQ(format_micros_as_seconds(1000000), "1");
  EXPECT_EQ(format_micros_as_seconds(12500000), "12.5");
  EXPECT_EQ(format_micros_as_seconds(3723000001), "3723.000001");
  EXPECT_EQ(format_micros_as_seconds(18446744073709551615ULL), "18446744073709.551615");
}

TEST(TextFormat, SecondsAreTheShortestFixedForm) {
  EXPECT_EQ(format_seconds(0.005), "0.005");
  EXPECT_EQ(format_seconds(0.0001), "0.0001");
  EXPECT_EQ(format_seconds(0.0005), "0.0005");
  EXPECT_EQ(format_seconds(1e9), "1000000000");
  EXPECT_EQ(format_seconds(5e-324).size(), 326U);  // the smallest double, in full
  EXPECT_EQ(format_seconds(1), "1");
  EXPECT_EQ(format_seconds(2.5), "2.5");
  EXPECT_EQ(format_seconds(3600), "3600");
}

TEST(TextFormat, WriterEmitsHeadersThenSamples) {
  ExpositionWriter out;
  out.family("x_total", "counter", "Things.\nMore");
  out.sample("x_total", {}, std::uint64_t{3});
  out.sample("x_total", {{"a", "1"}, {"b", "q\"uote"}}, std::uint64_t{18446744073709551615ULL});
  out.sample("x_sum", {}, "0.25");
  EXPECT_EQ(out.text(),
            "# HELP x_total Things.\\nMore\n"
            "# TYPE x_total counter\n"
            "x_total 3\n"
            "x_total{a=\"1\",b=\"q\\\"uote\"} 18446744073709551615\n"
            "x_sum 0.25\n");
}

}  // namespace
}  // namespace proxy::plugins::metrics
