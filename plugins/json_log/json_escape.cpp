#include "json_escape.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace proxy::plugins::json_log {
namespace {

// Bytes copied as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> plain_bytes = [] {
  std::array<bool, 256> plain{};
  for (int byte = 0x20; byte < 0x7f; ++byte) {
    plain[static_cast<std::size_t>(byte)] = byte != '"' && byte != '\\';
  }
  return plain;
}();

constexpr std::string_view replacement = "\\ufffd";

void append_u_escape(std::string& out, std::uint32_t unit) {
  constexpr std::string_view hex = "0123456789abcdef";
  const char escape[6] = {'\\',
                          'u',
                          hex[(unit >> 12U) & 0xfU],
                          hex[(unit >> 8U) & 0xfU],
                          hex[(unit >> 4U) & 0xfU],
                          hex[unit & 0xfU]};
  out.append(escape, sizeof(escape));
}

void append_ascii_escape(std::string& out, unsigned char byte) {
  switch (byte) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      append_u_escape(out, byte);  // the other controls and DEL
      break;
  }
}

void append_code_point(std::string& out, std::uint32_t code_point) {
  if (code_point <= 0xffffU) {
    append_u_escape(out, code_point);
    return;
  }
  append_u_escape(out, 0xd7c0U + (code_point >> 10U));
  append_u_escape(out, 0xdc00U + (code_point & 0x3ffU));
}

struct Sequence {
  std::size_t length = 0;            // bytes the lead byte announces, 0 when it is no lead byte
  unsigned char second_low = 0x80;   // the second byte's range: narrower after E0, ED,
  unsigned char second_high = 0xbf;  // F0 and F4 (no overlongs, surrogates or > U+10FFFF)
  std::uint32_t lead_bits = 0;
};

Sequence sequence_of(unsigned char lead) {
  if (lead >= 0xc2 && lead <= 0xdf) {
    return {2, 0x80, 0xbf, lead & 0x1fU};
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    const unsigned char low = lead == 0xe0 ? 0xa0 : 0x80;
    const unsigned char high = lead == 0xed ? 0x9f : 0xbf;
    return {3, low, high, lead & 0x0fU};
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const unsigned char low = lead == 0xf0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xf4 ? 0x8f : 0xbf;
    return {4, low, high, lead & 0x07U};
  }
  return {};  // a continuation byte, C0, C1 or F5..FF: never valid first
}

// Escapes the sequence starting at text[at] (a byte >= 0x80); returns the bytes consumed.
std::size_t append_multibyte(std::string& out, std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const Sequence sequence = sequence_of(byte(at));
  if (sequence.length == 0) {
    out += replacement;
    return 1;
  }
  std::uint32_t code_point = sequence.lead_bits;
  for (std::size_t i = 1; i < sequence.length; ++i) {
    if (at + i == text.size()) {
      out += replacement;  // truncated by the end of the string
      return i;
    }
    const unsigned char next = byte(at + i);
    const unsigned char low = i == 1 ? sequence.second_low : 0x80;
    const unsigned char high = i == 1 ? sequence.second_high : 0xbf;
    if (next < low || next > high) {
      out += replacement;  // broken: `next` starts whatever comes after
      return i;
    }
    code_point = (code_point << 6U) | (next & 0x3fU);
  }
  append_code_point(out, code_point);
  return sequence.length;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t run = at;
    while (at < text.size() && plain_bytes[static_cast<unsigned char>(text[at])]) {
      ++at;
    }
    out.append(text.data() + run, at - run);
    if (at == text.size()) {
      break;
    }
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x80) {
      append_ascii_escape(out, byte);
      ++at;
    } else {
      at += append_multibyte(out, text, at);
    }
  }
  out.push_back('"');
}

}  // namespace proxy::plugins::json_log
