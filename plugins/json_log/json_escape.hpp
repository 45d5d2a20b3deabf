#pragma once

#include <string>
#include <string_view>

namespace proxy::plugins::json_log {

// Appends `text` to `out` as a JSON string, quotes included, in printable ASCII only:
// byte for byte what nlohmann_json's dump(-1, ' ', true, error_handler_t::replace) writes
// for a string, so the log reads as it did when lines were built with nlohmann.
//
// - `"` and `\` become `\"` and `\\`; backspace, tab, newline, form feed and carriage
//   return become `\b`, `\t`, `\n`, `\f`, `\r`; every other byte below 0x20, and DEL,
//   becomes `\u00XX` (lowercase hex).
// - Valid UTF-8 beyond ASCII becomes `\uXXXX`, as a surrogate pair above U+FFFF.
// - Bytes that are not well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, no
//   surrogates, nothing above U+10FFFF) become `\ufffd`, one per maximal ill-formed
//   subpart: a truncated sequence is one U+FFFD and the byte that broke it is read again,
//   as the start of what follows.
//
// Nothing `text` holds can end the string early, so no input adds a field to a line.
void append_json_string(std::string& out, std::string_view text);

}  // namespace proxy::plugins::json_log
