// Validates its settings like a real plugin: threshold must be a positive integer.
#include "proxy/sdk.hpp"

namespace {

class RejectsSettings final : public proxy::sdk::Plugin {
 public:
  explicit RejectsSettings(proxy::sdk::PluginContext& context) {
    const auto& threshold = context.settings().value("threshold", nlohmann::json());
    if (!threshold.is_number_integer() || threshold.get<long long>() <= 0) {
      throw proxy::sdk::SettingsError("threshold", "expected a positive integer");
    }
  }
  proxy::sdk::HookSet hooks() const override { return proxy::sdk::Hook::accept; }
  proxy::sdk::Decision on_accept(const proxy::sdk::Connection& conn) override {
    (void)conn;
    return proxy::sdk::Decision::allow();
  }
};

}  // namespace

PROXY_PLUGIN(RejectsSettings, "rejects_settings", "0.0.1", "Test plugin with validated settings")
