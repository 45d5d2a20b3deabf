// Its constructor throws: the host must report factory_failed with the message.
#include <stdexcept>

#include "proxy/sdk.hpp"

namespace {

class FactoryThrows final : public proxy::sdk::Plugin {
 public:
  explicit FactoryThrows(proxy::sdk::PluginContext& context) {
    (void)context;
    throw std::runtime_error("factory exploded on purpose");
  }
  proxy::sdk::HookSet hooks() const override { return proxy::sdk::Hook::request; }
};

}  // namespace

PROXY_PLUGIN(FactoryThrows, "factory_throws", "0.0.1", "Test plugin whose constructor throws")
