// header_stamp: adds a configured header to every forwarded plain-HTTP request and
// counts the requests it stamped; the count is served on an admin endpoint.
#include <atomic>
#include <cstdint>
#include <string>

#include <proxy/sdk.hpp>

#include "stamp_settings.hpp"

namespace header_stamp {

namespace sdk = proxy::sdk;

class HeaderStamp final : public sdk::Plugin {
 public:
  // Runs once at startup, on the main thread: the place to validate settings (a
  // SettingsError stops startup) and to register endpoints.
  explicit HeaderStamp(sdk::PluginContext& context)
      : settings_(parse_stamp_settings(context.settings())), log_(context.logger()) {
    if (!settings_.endpoint.empty()) {
      // The handler runs on an io thread, for clients in admin.allow only.
      context.register_endpoint(settings_.endpoint, [this](const sdk::AdminRequest&) {
        return sdk::AdminResponse{
            200, "text/plain; charset=utf-8", "stamped " + std::to_string(stamped()) + "\n", {}};
      });
    }
    log_->info("stamping '{}: {}'", settings_.name, settings_.value);
  }

  // The host destroys plugins at shutdown, after the last hook returned.
  ~HeaderStamp() override { log_->info("stamped {} requests", stamped()); }

  HeaderStamp(const HeaderStamp&) = delete;
  HeaderStamp& operator=(const HeaderStamp&) = delete;

  // No hooks() needed: the host calls the hooks this class overrides, here on_request.
  // Runs on an io thread, concurrently for different connections: shared state must be
  // thread-safe (here one atomic counter).
  sdk::Decision on_request(const sdk::Connection&, sdk::Request& request) override {
    // A CONNECT tunnel carries opaque bytes; its request line is for the proxy only.
    if (request.is_connect()) {
      return sdk::Decision::allow();
    }
    // set() replaces a client-sent header of the same name, so clients cannot forge it.
    if (request.headers().set(settings_.name, settings_.value)) {
      stamped_.fetch_add(1, std::memory_order_relaxed);
    }
    return sdk::Decision::allow();
  }

 private:
  std::uint64_t stamped() const { return stamped_.load(std::memory_order_relaxed); }

  const StampSettings settings_;
  const std::shared_ptr<spdlog::logger> log_;
  std::atomic<std::uint64_t> stamped_{0};
};

}  // namespace header_stamp

PROXY_PLUGIN(header_stamp::HeaderStamp, "header_stamp", "1.0.0",
             "Adds a configured header to every forwarded plain-HTTP request")
