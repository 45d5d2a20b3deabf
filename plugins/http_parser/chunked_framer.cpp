#include "chunked_framer.hpp"

#include <limits>

#include "char_classes.hpp"

namespace proxy::plugins::http_parser {
namespace {

// qdtext (RFC 9110 §5.6.4): HTAB, SP, VCHAR except '"' and '\', obs-text.
bool is_qdtext(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return c == '\t' || c == ' ' || byte == 0x21 || (byte >= 0x23 && byte <= 0x5b) ||
         (byte >= 0x5d && byte <= 0x7e) || byte >= 0x80;
}

// What may follow a backslash in a quoted-string: HTAB, SP, VCHAR, obs-text.
bool is_quotable(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return c == '\t' || (byte >= 0x20 && byte != 0x7f);
}

}  // namespace

ChunkedFramer::Result ChunkedFramer::fail(const char* why, const char*& reason) {
  state_ = State::failed;
  failure_ = why;
  reason = why;
  return Result::error;
}

ChunkedFramer::Result ChunkedFramer::feed(std::string_view input, std::size_t& consumed,
                                          const char*& reason) {
  consumed = 0;
  if (state_ == State::done) {
    return Result::done;
  }
  if (state_ == State::failed) {
    reason = failure_;
    return Result::error;
  }
  while (consumed < input.size()) {
    if (state_ == State::data) {
      // The data itself is opaque: skip it in one step instead of byte by byte.
      const std::size_t available = input.size() - consumed;
      const std::size_t take =
          chunk_size_ < available ? static_cast<std::size_t>(chunk_size_) : available;
      consumed += take;
      chunk_size_ -= take;
      if (chunk_size_ == 0) {
        state_ = State::data_cr;
      }
      continue;
    }
    const Result result = step(input[consumed], reason);
    ++consumed;
    if (result != Result::need_more) {
      return result;
    }
  }
  return Result::need_more;
}

ChunkedFramer::Result ChunkedFramer::step(char c, const char*& reason) {
  switch (state_) {
    case State::size_first:
    case State::size:
    case State::ext_before_semi:
    case State::ext_name_start:
    case State::ext_name:
    case State::ext_after_name:
    case State::ext_value_start:
    case State::ext_token_value:
    case State::ext_quoted_value:
    case State::ext_quoted_escape:
    case State::ext_after_quoted:
    case State::size_line_lf:
      if (++line_bytes_ > max_chunk_line) {
        return fail("chunk size line too long", reason);
      }
      break;
    case State::trailer_line_start:
    case State::trailer_name:
    case State::trailer_value:
    case State::trailer_lf:
    case State::final_lf:
      if (++trailer_bytes_ > max_trailer_bytes_) {
        return fail("chunked trailer section too large", reason);
      }
      break;
    default:
      break;
  }

  switch (state_) {
    case State::size_first: {
      const int digit = hex_value(c);
      if (digit < 0) {
        return fail("invalid chunk size", reason);
      }
      chunk_size_ = static_cast<std::uint64_t>(digit);
      state_ = State::size;
      return Result::need_more;
    }
    case State::size: {
      const int digit = hex_value(c);
      if (digit >= 0) {
        if (chunk_size_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
          return fail("chunk size overflows", reason);
        }
        chunk_size_ = (chunk_size_ << 4) | static_cast<std::uint64_t>(digit);
        return Result::need_more;
      }
      if (c == '\r') {
        state_ = State::size_line_lf;
      } else if (c == ';') {
        state_ = State::ext_name_start;
      } else if (is_whitespace(c)) {
        state_ = State::ext_before_semi;
      } else {
        return fail("invalid chunk size", reason);
      }
      return Result::need_more;
    }
    case State::ext_before_semi:
      // Whitespace must lead to another extension: "5 \r\n" or "5 x" is refused, as
      // parsers disagree on where such a size ends.
      if (c == ';') {
        state_ = State::ext_name_start;
      } else if (!is_whitespace(c)) {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::ext_name_start:
      if (is_tchar(c)) {
        state_ = State::ext_name;
      } else if (!is_whitespace(c)) {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::ext_name:
      if (c == '\r') {
        state_ = State::size_line_lf;
      } else if (c == ';') {
        state_ = State::ext_name_start;
      } else if (c == '=') {
        state_ = State::ext_value_start;
      } else if (is_whitespace(c)) {
        state_ = State::ext_after_name;
      } else if (!is_tchar(c)) {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::ext_after_name:
      if (c == ';') {
        state_ = State::ext_name_start;
      } else if (c == '=') {
        state_ = State::ext_value_start;
      } else if (!is_whitespace(c)) {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::ext_value_start:
      if (c == '"') {
        state_ = State::ext_quoted_value;
      } else if (is_tchar(c)) {
        state_ = State::ext_token_value;
      } else if (!is_whitespace(c)) {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::ext_token_value:
      if (c == '\r') {
        state_ = State::size_line_lf;
      } else if (c == ';') {
        state_ = State::ext_name_start;
      } else if (is_whitespace(c)) {
        state_ = State::ext_before_semi;
      } else if (!is_tchar(c)) {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::ext_quoted_value:
      if (c == '"') {
        state_ = State::ext_after_quoted;
      } else if (c == '\\') {
        state_ = State::ext_quoted_escape;
      } else if (!is_qdtext(c)) {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::ext_quoted_escape:
      if (!is_quotable(c)) {
        return fail("invalid chunk extension", reason);
      }
      state_ = State::ext_quoted_value;
      return Result::need_more;
    case State::ext_after_quoted:
      if (c == '\r') {
        state_ = State::size_line_lf;
      } else if (c == ';') {
        state_ = State::ext_name_start;
      } else if (is_whitespace(c)) {
        state_ = State::ext_before_semi;
      } else {
        return fail("invalid chunk extension", reason);
      }
      return Result::need_more;
    case State::size_line_lf:
      if (c != '\n') {
        return fail("bare CR in chunk size line", reason);
      }
      line_bytes_ = 0;
      state_ = chunk_size_ == 0 ? State::trailer_line_start : State::data;
      return Result::need_more;
    case State::data_cr:
      if (c != '\r') {
        return fail("chunk data not followed by CRLF", reason);
      }
      state_ = State::data_lf;
      return Result::need_more;
    case State::data_lf:
      if (c != '\n') {
        return fail("chunk data not followed by CRLF", reason);
      }
      state_ = State::size_first;
      return Result::need_more;
    case State::trailer_line_start:
      if (c == '\r') {
        state_ = State::final_lf;
      } else if (is_tchar(c)) {
        state_ = State::trailer_name;
      } else {
        // Includes SP/HTAB: obs-fold is refused in trailers as in the head.
        return fail("invalid trailer field", reason);
      }
      return Result::need_more;
    case State::trailer_name:
      if (c == ':') {
        state_ = State::trailer_value;
      } else if (!is_tchar(c)) {
        return fail("invalid trailer field", reason);
      }
      return Result::need_more;
    case State::trailer_value:
      if (c == '\r') {
        state_ = State::trailer_lf;
      } else if (is_forbidden_control(c)) {
        return fail("invalid trailer field", reason);
      }
      return Result::need_more;
    case State::trailer_lf:
      if (c != '\n') {
        return fail("bare CR in trailer section", reason);
      }
      state_ = State::trailer_line_start;
      return Result::need_more;
    case State::final_lf:
      if (c != '\n') {
        return fail("bare CR at end of chunked body", reason);
      }
      state_ = State::done;
      return Result::done;
    case State::data:
    case State::done:
    case State::failed:
      break;
  }
  // data is handled in feed(); done and failed never reach step().
  return fail("chunked framer misused", reason);
}

}  // namespace proxy::plugins::http_parser
