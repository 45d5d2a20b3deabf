#pragma once

#include "parser_factory.hpp"
#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"

namespace proxy::plugins::http_parser {

// The bundled HTTP/1.1 parser. A capability, not a hook: it declares no hooks and hands
// the host its ParserFactory. It has no settings yet; any key is refused at startup so a
// typo is not silently ignored.
//
// @par Thread Safety
// Immutable after construction; http_parser() may be called from any thread.
class HttpParserPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError when the settings hold anything.
  explicit HttpParserPlugin(sdk::PluginContext& context);

  sdk::HttpParser* http_parser() override { return &factory_; }

 private:
  ParserFactory factory_;
};

}  // namespace proxy::plugins::http_parser
