// Provides the HTTP parser capability and no hook: enough to show the host finds the
// first enabled plugin that offers it.
#include "proxy/sdk.hpp"

namespace {

class StubParser final : public proxy::sdk::HttpParser {
 public:
  std::unique_ptr<proxy::sdk::HttpMessageParser> create(
      proxy::sdk::MessageKind kind, const proxy::sdk::ParseOptions& options) override {
    (void)kind;
    (void)options;
    return nullptr;
  }
};

class ParserStub final : public proxy::sdk::Plugin {
 public:
  explicit ParserStub(proxy::sdk::PluginContext& context) { (void)context; }
  proxy::sdk::HookSet hooks() const override { return {}; }
  proxy::sdk::HttpParser* http_parser() override { return &parser_; }

 private:
  StubParser parser_;
};

}  // namespace

PROXY_PLUGIN(ParserStub, "parser_stub", "0.0.1", "Test plugin providing an HTTP parser")
