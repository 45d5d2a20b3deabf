#include "message_parser.hpp"

#include <utility>

#include "error_status.hpp"
#include "framing.hpp"
#include "head_reader.hpp"

namespace proxy::plugins::http_parser {

MessageParser::MessageParser(sdk::MessageKind kind, const sdk::ParseOptions& options)
    : kind_(kind), options_(options), scanner_(kind, options) {}

sdk::ParseStatus MessageParser::fail(sdk::ParseError& error, sdk::ParseError reason) {
  phase_ = Phase::failed;
  failure_ = std::move(reason);
  error = failure_;
  return sdk::ParseStatus::error;
}

sdk::ParseStatus MessageParser::parse_head(std::string_view input, std::size_t& consumed,
                                           sdk::HttpHead& head, sdk::ParseError& error) {
  consumed = 0;
  if (phase_ == Phase::failed) {
    error = failure_;
    return sdk::ParseStatus::error;
  }
  if (phase_ != Phase::head) {
    return fail(error, malformed(kind_, "head parsed twice"));
  }

  sdk::ParseError problem;
  switch (scanner_.scan(input, problem)) {
    case HeadScanner::Result::need_more:
      return sdk::ParseStatus::need_more;
    case HeadScanner::Result::error:
      return fail(error, std::move(problem));
    case HeadScanner::Result::complete:
      break;
  }

  // Beast sees the head only once, complete: no re-parsing of a growing buffer.
  const std::size_t start = scanner_.message_start();
  const std::string_view bytes = input.substr(start, scanner_.head_end() - start);
  if (!read_head(kind_, bytes, options_, head, problem) ||
      !decide_framing(kind_, options_, head, problem)) {
    return fail(error, std::move(problem));
  }

  body_ = head.body;
  switch (body_) {
    case sdk::BodyKind::none:
      phase_ = Phase::done;
      break;
    case sdk::BodyKind::content_length:
      remaining_ = head.content_length;
      phase_ = Phase::body;
      break;
    case sdk::BodyKind::chunked:
      // Trailers are a second header section: the same size cap applies.
      chunked_.emplace(options_.max_header_bytes);
      phase_ = Phase::body;
      break;
    case sdk::BodyKind::until_close:
      phase_ = Phase::body;
      break;
  }
  consumed = scanner_.head_end();
  return sdk::ParseStatus::done;
}

sdk::ParseStatus MessageParser::parse_body(std::string_view input, std::size_t& consumed,
                                           sdk::ParseError& error) {
  consumed = 0;
  switch (phase_) {
    case Phase::head:
      return fail(error, malformed(kind_, "body before head"));
    case Phase::failed:
      error = failure_;
      return sdk::ParseStatus::error;
    case Phase::done:
      return sdk::ParseStatus::done;
    case Phase::body:
      break;
  }

  switch (body_) {
    case sdk::BodyKind::content_length: {
      const std::size_t take =
          remaining_ < input.size() ? static_cast<std::size_t>(remaining_) : input.size();
      consumed = take;
      remaining_ -= take;
      if (remaining_ != 0) {
        return sdk::ParseStatus::need_more;
      }
      phase_ = Phase::done;
      return sdk::ParseStatus::done;
    }
    case sdk::BodyKind::chunked: {
      const char* reason = nullptr;
      switch (chunked_->feed(input, consumed, reason)) {
        case ChunkedFramer::Result::need_more:
          return sdk::ParseStatus::need_more;
        case ChunkedFramer::Result::done:
          phase_ = Phase::done;
          return sdk::ParseStatus::done;
        case ChunkedFramer::Result::error:
          consumed = 0;
          return fail(error, malformed(kind_, reason));
      }
      break;
    }
    case sdk::BodyKind::until_close:
      consumed = input.size();
      return sdk::ParseStatus::need_more;
    case sdk::BodyKind::none:
      break;
  }
  phase_ = Phase::done;
  return sdk::ParseStatus::done;
}

sdk::ParseStatus MessageParser::finish(sdk::ParseError& error) {
  switch (phase_) {
    case Phase::failed:
      error = failure_;
      return sdk::ParseStatus::error;
    case Phase::done:
      return sdk::ParseStatus::done;
    case Phase::head:
      return fail(error, malformed(kind_, "connection closed before the head was complete"));
    case Phase::body:
      break;
  }
  if (body_ == sdk::BodyKind::until_close) {
    // The close is what ends this body (RFC 9112 §6.3 rule 8).
    phase_ = Phase::done;
    return sdk::ParseStatus::done;
  }
  return fail(error, malformed(kind_, "connection closed before the body was complete"));
}

}  // namespace proxy::plugins::http_parser
