#include "json_escape.hpp"

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace proxy::plugins::json_log {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// What the access log wrote when it built lines with nlohmann_json: ensure_ascii, and
// invalid UTF-8 replaced.
std::string nlohmann_escaped(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

void expect_as_nlohmann(std::string_view text) {
  ASSERT_EQ(escaped(text), nlohmann_escaped(text)) << ::testing::PrintToString(std::string(text));
}

TEST(JsonEscape, PlainAsciiIsQuotedAsItIs) {
  EXPECT_EQ(escaped(""), R"("")");
  EXPECT_EQ(escaped("http://example.com/a?b=c&d=%20"), R"("http://example.com/a?b=c&d=%20")");
  EXPECT_EQ(escaped("{}[]:,'/"), R"("{}[]:,'/")");
}

TEST(JsonEscape, QuotesAndBackslashes) {
  EXPECT_EQ(escaped(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(escaped(R"(","forged":")"), R"("\",\"forged\":\"")");
}

TEST(JsonEscape, EveryControlCharacterAndDelete) {
  for (int byte = 0; byte < 0x20; ++byte) {
    const std::string text(1, static_cast<char>(byte));
    std::string expected;
    switch (byte) {
      case '\b':
        expected = R"("\b")";
        break;
      case '\t':
        expected = R"("\t")";
        break;
      case '\n':
        expected = R"("\n")";
        break;
      case '\f':
        expected = R"("\f")";
        break;
      case '\r':
        expected = R"("\r")";
        break;
      default: {
        char hex[16];
        std::snprintf(hex, sizeof(hex), "\"\\u%04x\"", byte);
        expected = hex;
      }
    }
    EXPECT_EQ(escaped(text), expected) << byte;
    expect_as_nlohmann(text);
  }
  EXPECT_EQ(escaped("\x7f"), R"("\u007f")");
  EXPECT_EQ(escaped(std::string_view("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonEscape, NonAsciiBecomesUEscapes) {
  EXPECT_EQ(escaped("caf\xc3\xa9"), R"("caf\u00e9")");
  EXPECT_EQ(escaped("\xc2\x80"), R"("\u0080")");                // the lowest two-byte
  EXPECT_EQ(escaped("\xe2\x80\xa8"), R"("\u2028")");            // line separator
  EXPECT_EQ(escaped("\xef\xbf\xbf"), R"("\uffff")");            // the highest three-byte
  EXPECT_EQ(escaped("\xf0\x9f\x98\x80"), R"("\ud83d\ude00")");  // a surrogate pair
  EXPECT_EQ(escaped("\xf0\x90\x80\x80"), R"("\ud800\udc00")");  // U+10000
  EXPECT_EQ(escaped("\xf4\x8f\xbf\xbf"), R"("\udbff\udfff")");  // U+10FFFF
}

TEST(JsonEscape, InvalidUtf8BecomesOneReplacementPerMaximalSubpart) {
  const std::string r = R"(\ufffd)";
  EXPECT_EQ(escaped("\xff"), "\"" + r + "\"");
  EXPECT_EQ(escaped("\x80"), "\"" + r + "\"");                          // a lone continuation
  EXPECT_EQ(escaped("\xc0\xaf"), "\"" + r + r + "\"");                  // overlong: C0 never leads
  EXPECT_EQ(escaped("\xe0\x80\xaf"), "\"" + r + r + r + "\"");          // overlong three-byte
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\"" + r + r + r + "\"");          // a UTF-16 surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\"" + r + r + r + r + "\"");  // above U+10FFFF
  EXPECT_EQ(escaped("\xf5\x80"), "\"" + r + r + "\"");
  EXPECT_EQ(escaped("a\xc3"), "\"a" + r + "\"");  // truncated at the end
  EXPECT_EQ(escaped("\xf0\x9f\x98"), "\"" + r + "\"");
  EXPECT_EQ(escaped("\xc3("), "\"" + r + "(\"");          // the breaking byte stays
  EXPECT_EQ(escaped("\xe2\x82\""), "\"" + r + "\\\"\"");  // ... even a quote
  EXPECT_EQ(escaped("\xe2\x82\xc3\xa9"), "\"" + r + "\\u00e9\"");
  for (const char* text :
       {"\xff", "\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80",
        "a\xc3", "\xf0\x9f\x98", "\xc3(", "\xe2\x82\"", "\xe2\x82\xc3\xa9"}) {
    expect_as_nlohmann(text);
  }
}

// The escaper against nlohmann's serializer: every string of one and two bytes, every
// three-byte string that starts with a multi-byte lead, and random strings biased towards
// the bytes that matter.
TEST(JsonEscape, MatchesNlohmannOnEveryShortString) {
  for (int a = 0; a < 256; ++a) {
    expect_as_nlohmann(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      expect_as_nlohmann(std::string{static_cast<char>(a), static_cast<char>(b)});
    }
  }
}

TEST(JsonEscape, MatchesNlohmannOnThreeByteStringsWithAMultibyteLead) {
  for (int a = 0xc0; a < 256; ++a) {
    for (int b = 0x70; b < 0xd0; ++b) {
      for (int c = 0x70; c < 0xd0; c += 3) {
        expect_as_nlohmann(
            std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
      }
    }
  }
}

TEST(JsonEscape, MatchesNlohmannOnRandomStrings) {
  std::mt19937 random(20261127);
  using namespace std::string_view_literals;
  const std::string_view interesting =
      "\x00\x01\x08\x09\x0a\x0c\x0d\x1f\x20\x22\x5c\x7e\x7f\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1"
      "\xc2\xc3\xdf\xe0\xe1\xec\xed\xee\xef\xf0\xf1\xf3\xf4\xf5\xff"
      "aZ%/"sv;
  std::uniform_int_distribution<int> length(0, 24);
  std::uniform_int_distribution<int> any(0, 255);
  std::uniform_int_distribution<std::size_t> pick(0, interesting.size() - 1);
  for (int round = 0; round < 200'000; ++round) {
    std::string text(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : text) {
      c = (random() % 2 == 0) ? interesting[pick(random)] : static_cast<char>(any(random));
    }
    expect_as_nlohmann(text);
  }
}

TEST(JsonEscape, AppendsWithoutTouchingWhatIsThere) {
  std::string out = "{\"a\":";
  append_json_string(out, "x\ny");
  EXPECT_EQ(out, R"({"a":"x\ny")");
}

}  // namespace
}  // namespace proxy::plugins::json_log
