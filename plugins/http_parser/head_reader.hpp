#pragma once

#include <string_view>

#include "proxy/sdk/http_parser.hpp"

namespace proxy::plugins::http_parser {

// Parses one complete head (start line through the final empty line, nothing after it)
// with Beast's HTTP/1 parser and fills `head`: method or status, target or reason, version,
// the fields as sent and in order, and Beast's keep-alive verdict. Body framing is left to
// decide_framing().
//
// Returns false with `error` set when Beast refuses the head. Beast is confined to this
// one translation unit so the rest of the plugin compiles without it.
bool read_head(sdk::MessageKind kind, std::string_view bytes, const sdk::ParseOptions& options,
               sdk::HttpHead& head, sdk::ParseError& error);

}  // namespace proxy::plugins::http_parser
