#include "plugin_host/endpoint_registry.hpp"

#include "plugin_host/hook_watchdog.hpp"

#include <spdlog/spdlog.h>

namespace proxy::host {
namespace {

constexpr std::size_t max_endpoint_path = 256;

proxy_str view(std::string_view s) {
  return {s.data(), s.size()};
}

}  // namespace

bool valid_endpoint_path(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > max_endpoint_path) {
    return false;
  }
  for (const char c : path) {
    if (c <= ' ' || c >= 0x7F || c == '?' || c == '#') {
      return false;
    }
  }
  return true;
}

std::string EndpointRegistry::add(const std::string& plugin, std::string_view path,
                                  proxy_endpoint_fn fn, void* user) {
  if (sealed()) {
    return "endpoints can only be registered while the plugin is created";
  }
  if (fn == nullptr) {
    return "endpoint '" + std::string(path) + "' has no handler";
  }
  if (!valid_endpoint_path(path)) {
    return "endpoint path '" + std::string(path) +
           "' is invalid (it must start with '/' and hold no spaces, '?' or '#')";
  }
  if (path == core_health_path || path == core_ready_path) {
    return "endpoint '" + std::string(path) + "' is served by the core";
  }
  const auto it = routes_.find(path);
  if (it != routes_.end()) {
    return "endpoint '" + std::string(path) + "' is already registered by plugin '" +
           it->second.plugin + "'";
  }
  routes_.emplace(std::string(path), Route{plugin, fn, user});
  return {};
}

std::optional<AdminReply> EndpointRegistry::dispatch(std::string_view method, std::string_view path,
                                                     std::string_view query,
                                                     std::string_view client_ip) const {
  const auto it = routes_.find(path);
  if (it == routes_.end()) {
    return std::nullopt;
  }
  proxy_admin_request request{};
  request.size = sizeof(request);
  request.method = view(method);
  request.path = view(path);
  request.query = view(query);
  request.client_ip = view(client_ip);
  proxy_admin_response response;
  try {
    const HookScope busy(it->second.plugin, "an admin endpoint");
    it->second.fn(it->second.user, &request, &response);
  } catch (...) {
    // A C handler must not throw; if one does, the proxy keeps serving.
    spdlog::error("[{}] endpoint '{}' let an exception escape", it->second.plugin, path);
    AdminReply failed;
    failed.status = 500;
    failed.headers.set("Content-Type", "text/plain; charset=utf-8");
    failed.body = "internal error\n";
    return failed;
  }
  return std::move(response.reply);
}

std::string EndpointRegistry::owner(std::string_view path) const {
  const auto it = routes_.find(path);
  return it == routes_.end() ? std::string() : it->second.plugin;
}

std::vector<std::string> EndpointRegistry::paths() const {
  std::vector<std::string> out;
  out.reserve(routes_.size());
  for (const auto& [path, route] : routes_) {
    out.push_back(path);
  }
  return out;
}

}  // namespace proxy::host
