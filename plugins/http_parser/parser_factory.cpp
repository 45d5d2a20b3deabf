#include "parser_factory.hpp"

#include "message_parser.hpp"

namespace proxy::plugins::http_parser {

std::unique_ptr<sdk::HttpMessageParser> ParserFactory::create(sdk::MessageKind kind,
                                                              const sdk::ParseOptions& options) {
  if (kind != sdk::MessageKind::request && kind != sdk::MessageKind::response) {
    return nullptr;
  }
  return std::make_unique<MessageParser>(kind, options);
}

}  // namespace proxy::plugins::http_parser
