#include "head_scanner.hpp"

#include <limits>
#include <utility>

#include "char_classes.hpp"
#include "error_status.hpp"

namespace proxy::plugins::http_parser {

HeadScanner::HeadScanner(sdk::MessageKind kind, const sdk::ParseOptions& options)
    : kind_(kind),
      max_bytes_(options.max_header_bytes > std::numeric_limits<std::size_t>::max()
                     ? std::numeric_limits<std::size_t>::max()
                     : static_cast<std::size_t>(options.max_header_bytes)),
      max_headers_(options.max_headers) {}

void HeadScanner::reset() {
  position_ = 0;
  line_length_ = 0;
  lines_done_ = 0;
  header_lines_ = 0;
  after_cr_ = false;
  message_start_ = 0;
  head_end_ = 0;
}

HeadScanner::Result HeadScanner::fail(sdk::ParseError& error, sdk::ParseError reason) {
  error = std::move(reason);
  return Result::error;
}

HeadScanner::Result HeadScanner::scan(std::string_view input, sdk::ParseError& error) {
  if (input.size() < position_) {
    // The host promised a growing buffer; if it shrank, nothing scanned so far can be
    // trusted, so start over rather than read stale state.
    reset();
  }
  for (; position_ < input.size(); ++position_) {
    if (position_ >= max_bytes_) {
      return fail(error, head_too_large(kind_, "header section too large"));
    }
    const char c = input[position_];
    if (after_cr_) {
      if (c != '\n') {
        return fail(error, malformed(kind_, "bare CR in header section"));
      }
      after_cr_ = false;
      if (line_length_ != 0) {
        ++lines_done_;
        line_length_ = 0;
        continue;
      }
      if (lines_done_ != 0) {
        head_end_ = position_ + 1;
        ++position_;
        return Result::complete;
      }
      if (kind_ == sdk::MessageKind::response) {
        return fail(error, malformed(kind_, "empty status line"));
      }
      // An empty line before the request line: tolerated (RFC 9112 §2.2), e.g. the stray
      // CRLF some clients send after a POST body.
      message_start_ = position_ + 1;
      continue;
    }
    if (c == '\r') {
      after_cr_ = true;
      continue;
    }
    if (c == '\n') {
      // Bare LF: some parsers end lines on it and some do not, which is how a header gets
      // hidden from one of them. Never accept it.
      return fail(error, malformed(kind_, "bare LF in header section"));
    }
    if (is_forbidden_control(c)) {
      return fail(error, malformed(kind_, "control character in header section"));
    }
    if (line_length_ == 0 && lines_done_ != 0) {
      if (is_whitespace(c)) {
        // obs-fold (RFC 9112 §5.2): Beast 1.74 joins the lines, other parsers see two
        // fields or one. Ambiguous, so refused rather than unfolded.
        return fail(error, malformed(kind_, "obsolete line folding in header section"));
      }
      if (++header_lines_ > max_headers_) {
        return fail(error, head_too_large(kind_, "too many header fields"));
      }
    }
    ++line_length_;
  }
  if (position_ >= max_bytes_) {
    // The buffer holds the largest head allowed and it has not ended: it cannot fit.
    return fail(error, head_too_large(kind_, "header section too large"));
  }
  return Result::need_more;
}

}  // namespace proxy::plugins::http_parser
