#pragma once

#include <memory>

#include "proxy/sdk/http_parser.hpp"

namespace proxy::plugins::http_parser {

// The HttpParser capability: hands out one MessageParser per message.
//
// @par Thread Safety
// Stateless: create() may run concurrently on every io thread.
class ParserFactory final : public sdk::HttpParser {
 public:
  // Returns null for a kind this parser does not know (the C ABI passes it as a number).
  std::unique_ptr<sdk::HttpMessageParser> create(sdk::MessageKind kind,
                                                 const sdk::ParseOptions& options) override;
};

}  // namespace proxy::plugins::http_parser
