#include "rate_limiter_settings.hpp"

#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::rate_limiter {

Limits parse_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(settings, {"requests", "window", "max_tracked_clients"});
  Limits limits;
  limits.requests = reader.integer("requests", limits.requests, 1, max_requests);
  limits.window = reader.seconds("window", limits.window, max_window_seconds);
  limits.max_tracked_clients =
      reader.integer("max_tracked_clients", limits.max_tracked_clients, 1, max_clients);
  return limits;
}

}  // namespace proxy::plugins::rate_limiter
