#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace proxy::plugins::http_parser {

// Finds the end of a chunked body (RFC 9112 §7.1) without decoding it: the proxy forwards
// the chunk framing verbatim and only needs to know which bytes belong to this message.
//
// A strict incremental state machine: hex chunk sizes with an overflow check, chunk
// extensions checked against their grammar and bounded in length, CRLF exactly where the
// grammar puts it (no bare CR or LF), and a trailer section whose field lines are checked
// and whose size is capped. It stops right after the final CRLF; bytes after it belong to
// the next message on the connection and are left unconsumed.
//
// @par Thread Safety
// One object per message, used by one thread at a time.
class ChunkedFramer {
 public:
  enum class Result { need_more, done, error };

  // Longest chunk-size line accepted, extensions included. Extensions carry no meaning the
  // proxy needs, so the bound only has to be generous to real clients.
  static constexpr std::size_t max_chunk_line = 4096;

  explicit ChunkedFramer(std::uint64_t max_trailer_bytes) : max_trailer_bytes_(max_trailer_bytes) {}

  // Consumes the prefix of `input` that belongs to the body. On need_more every byte was
  // consumed; on done `consumed` ends right after the body; on error `reason` says why
  // (fixed text, never input bytes).
  Result feed(std::string_view input, std::size_t& consumed, const char*& reason);

 private:
  enum class State {
    size_first,          // first hex digit of chunk-size
    size,                // further hex digits
    ext_before_semi,     // BWS after the size or a value, before ';'
    ext_name_start,      // BWS after ';', before the extension name
    ext_name,            // extension name (token)
    ext_after_name,      // BWS after the name, before '=' or ';'
    ext_value_start,     // BWS after '=', before the value
    ext_token_value,     // token value
    ext_quoted_value,    // quoted-string value
    ext_quoted_escape,   // after a backslash in a quoted-string
    ext_after_quoted,    // right after the closing quote
    size_line_lf,        // LF ending the chunk-size line
    data,                // chunk-data
    data_cr,             // CR after chunk-data
    data_lf,             // LF after chunk-data
    trailer_line_start,  // start of a trailer field line, or the final CRLF
    trailer_name,        // trailer field name
    trailer_value,       // trailer field value up to CR
    trailer_lf,          // LF ending a trailer field line
    final_lf,            // LF of the final CRLF
    done,
    failed,
  };

  Result step(char c, const char*& reason);
  Result fail(const char* why, const char*& reason);

  std::uint64_t max_trailer_bytes_;
  State state_ = State::size_first;
  std::uint64_t chunk_size_ = 0;  // size being parsed, then bytes of data left
  std::size_t line_bytes_ = 0;    // bytes of the current chunk-size line
  std::uint64_t trailer_bytes_ = 0;
  const char* failure_ = nullptr;
};

}  // namespace proxy::plugins::http_parser
