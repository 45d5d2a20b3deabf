#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "chunked_framer.hpp"
#include "head_scanner.hpp"
#include "proxy/sdk/http_parser.hpp"

namespace proxy::plugins::http_parser {

// One HTTP/1 message, request or response: the head through HeadScanner, Beast
// (read_head) and decide_framing, then the body's extent by its framing. Bytes are never
// changed, only measured: the host forwards exactly what it received.
//
// Errors are sticky: once a message is refused every further call reports the same error.
//
// @par Thread Safety
// One object per message, used by one thread at a time.
class MessageParser final : public sdk::HttpMessageParser {
 public:
  MessageParser(sdk::MessageKind kind, const sdk::ParseOptions& options);

  sdk::ParseStatus parse_head(std::string_view input, std::size_t& consumed, sdk::HttpHead& head,
                              sdk::ParseError& error) override;
  sdk::ParseStatus parse_body(std::string_view input, std::size_t& consumed,
                              sdk::ParseError& error) override;
  sdk::ParseStatus finish(sdk::ParseError& error) override;

 private:
  enum class Phase { head, body, done, failed };

  sdk::ParseStatus fail(sdk::ParseError& error, sdk::ParseError reason);

  sdk::MessageKind kind_;
  sdk::ParseOptions options_;
  Phase phase_ = Phase::head;
  HeadScanner scanner_;
  sdk::BodyKind body_ = sdk::BodyKind::none;
  std::uint64_t remaining_ = 0;           // content_length: body bytes still to come
  std::optional<ChunkedFramer> chunked_;  // chunked: where the body ends
  sdk::ParseError failure_;
};

}  // namespace proxy::plugins::http_parser
