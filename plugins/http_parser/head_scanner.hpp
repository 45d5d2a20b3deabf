#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/sdk/http_parser.hpp"

namespace proxy::plugins::http_parser {

// A strict, linear lexical pass over the bytes of a message head, run before Beast sees
// them. It finds where the head ends and refuses what Beast 1.74 would let through or only
// notice late: bare CR or bare LF line ends, control bytes, obs-fold (a line starting with
// SP/HTAB), more header lines than allowed and a head larger than allowed.
//
// Each byte is looked at once: the host re-passes the growing buffer on every call and the
// scanner resumes where it stopped, so a head trickling in byte by byte costs O(n) in total.
//
// @par Thread Safety
// One object per message, used by one thread at a time.
class HeadScanner {
 public:
  enum class Result { need_more, complete, error };

  HeadScanner(sdk::MessageKind kind, const sdk::ParseOptions& options);

  // `input` is the whole buffered head so far; it must start with the bytes given before.
  Result scan(std::string_view input, sdk::ParseError& error);

  // Valid once scan() returned complete: the head's length, final empty line included.
  std::size_t head_end() const { return head_end_; }
  // Leading empty lines before a request line (RFC 9112 §2.2 says to ignore them); the
  // request line starts here.
  std::size_t message_start() const { return message_start_; }

 private:
  void reset();
  Result fail(sdk::ParseError& error, sdk::ParseError reason);

  sdk::MessageKind kind_;
  std::size_t max_bytes_;
  std::uint64_t max_headers_;

  std::size_t position_ = 0;      // next byte to look at
  std::size_t line_length_ = 0;   // bytes of the current line so far, CR excluded
  std::uint64_t lines_done_ = 0;  // complete lines, the start line included
  std::uint64_t header_lines_ = 0;
  bool after_cr_ = false;
  std::size_t message_start_ = 0;
  std::size_t head_end_ = 0;
};

}  // namespace proxy::plugins::http_parser
