#pragma once

#include <array>
#include <cstddef>
#include <string_view>

// Byte classes from RFC 9110 §5.6 shared by the head scanner, the framing checks and the
// chunked framer, so every part agrees on what a token or a forbidden byte is.
namespace proxy::plugins::http_parser {

namespace detail {

constexpr std::array<bool, 256> make_tchar_table() {
  std::array<bool, 256> table{};
  for (unsigned c = '0'; c <= '9'; ++c) {
    table[c] = true;
  }
  for (unsigned c = 'a'; c <= 'z'; ++c) {
    table[c] = true;
    table[c - 'a' + 'A'] = true;
  }
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}

inline constexpr std::array<bool, 256> tchar_table = make_tchar_table();

}  // namespace detail

// tchar: the bytes a token (method, field name, transfer coding) is made of.
constexpr bool is_tchar(char c) {
  return detail::tchar_table[static_cast<unsigned char>(c)];
}

// Control bytes never allowed inside a head or a chunk line: CTLs other than HTAB, and DEL.
// CR and LF are controls too; callers that expect them test for them first.
constexpr bool is_forbidden_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && byte != '\t') || byte == 0x7f;
}

constexpr bool is_whitespace(char c) {
  return c == ' ' || c == '\t';
}

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// ASCII case-insensitive comparison: field names and codings are case-insensitive.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x - 'A' + 'a');
    }
    if (y >= 'A' && y <= 'Z') {
      y = static_cast<char>(y - 'A' + 'a');
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

// Strips optional whitespace (SP / HTAB) from both ends.
constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_whitespace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_whitespace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace proxy::plugins::http_parser
