#include "proxy/sdk/types.hpp"

#include <gtest/gtest.h>

#include <array>

namespace {

using proxy::sdk::Headers;

TEST(Headers, GetIsCaseInsensitive) {
  const std::array<proxy_header, 2> list{
      {{{"Host", 4}, {"example.com", 11}}, {{"X-Trace", 7}, {"abc", 3}}}};
  const Headers headers(list.data(), list.size(), nullptr, nullptr);
  ASSERT_TRUE(headers.get("host").has_value());
  EXPECT_EQ(*headers.get("HOST"), "example.com");
  EXPECT_EQ(*headers.get("x-trace"), "abc");
  EXPECT_FALSE(headers.get("missing").has_value());
  EXPECT_EQ(headers[1].name, "X-Trace");
}

TEST(Headers, EditsFailWhenReadOnly) {
  Headers headers(nullptr, 0, nullptr, nullptr);
  EXPECT_FALSE(headers.editable());
  EXPECT_FALSE(headers.set("X-A", "1"));
  EXPECT_FALSE(headers.add("X-A", "1"));
  EXPECT_FALSE(headers.remove("X-A"));
}

TEST(Iequals, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(proxy::sdk::iequals("Content-Length", "content-length"));
  EXPECT_FALSE(proxy::sdk::iequals("Content-Length", "content-lengt"));
  EXPECT_FALSE(proxy::sdk::iequals("a", "b"));
}

}  // namespace
