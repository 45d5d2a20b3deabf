// Reads what ABI 1.1 added: the host's version and counters (served at /_host_reader) and
// a peek timeout for tunnels taken from its settings ("peek_ms").
#include <chrono>
#include <string>

#include "proxy/sdk.hpp"

namespace {

class HostReader final : public proxy::sdk::Plugin {
 public:
  explicit HostReader(proxy::sdk::PluginContext& context)
      : peek_(context.settings().value("peek_ms", 0)) {
    context.register_endpoint("/_" + context.name(), [&context](const proxy::sdk::AdminRequest&) {
      const proxy::sdk::HostStats stats = context.host_stats();
      proxy::sdk::AdminResponse response;
      response.body = "version=" + std::string(context.host_version()) +
                      " active=" + std::to_string(stats.connections_active) +
                      " total=" + std::to_string(stats.connections_total) +
                      " refused=" + std::to_string(stats.connections_refused) +
                      " tunnels=" + std::to_string(stats.tunnels_active);
      return response;
    });
  }

  proxy::sdk::HookSet hooks() const override { return proxy::sdk::Hook::sni; }
  std::chrono::milliseconds sni_peek_timeout() const override { return peek_; }

 private:
  std::chrono::milliseconds peek_;
};

}  // namespace

PROXY_PLUGIN(HostReader, "host_reader", "1.0.0", "Reads the host's version and counters")
