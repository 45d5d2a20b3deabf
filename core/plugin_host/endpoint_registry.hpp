#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin_host/header_list.hpp"
#include "proxy/sdk/abi.h"

namespace proxy::host {

// What an admin endpoint answered.
struct AdminReply {
  int status = 200;
  HeaderList headers;
  std::string body;
};

// The admin paths the core answers itself (core/connection/core_routes.cpp): no plugin
// may register them, since its handler would never be called.
inline constexpr std::string_view core_health_path = "/_health";
inline constexpr std::string_view core_ready_path = "/_ready";

// Admin routes (e.g. /_metrics) that plugins register while they are created.
//
// @par Thread Safety
// add() is for plugin creation on the loading thread. After seal() the routes never
// change, so dispatch() may run concurrently on every io thread.
class EndpointRegistry {
 public:
  // Routes `path` to fn(user, ...). Returns an empty string on success, else why it was
  // refused (sealed, invalid path, or taken, naming the owner).
  std::string add(const std::string& plugin, std::string_view path, proxy_endpoint_fn fn,
                  void* user);
  // Ends registration: later add() calls are refused.
  void seal() { sealed_.store(true, std::memory_order_release); }
  bool sealed() const { return sealed_.load(std::memory_order_acquire); }
  // Forgets every route; only when nothing dispatches any more (before plugins unload).
  void clear() { routes_.clear(); }

  // Calls the handler of `path`, or nothing when no plugin serves it.
  std::optional<AdminReply> dispatch(std::string_view method, std::string_view path,
                                     std::string_view query, std::string_view client_ip) const;

  bool contains(std::string_view path) const { return routes_.find(path) != routes_.end(); }
  // The plugin serving `path`; empty when none.
  std::string owner(std::string_view path) const;
  std::vector<std::string> paths() const;

 private:
  struct Route {
    std::string plugin;
    proxy_endpoint_fn fn;
    void* user;
  };

  std::map<std::string, Route, std::less<>> routes_;
  std::atomic<bool> sealed_{false};
};

// "/x", visible ASCII, no query or fragment: something a request line can carry as is.
bool valid_endpoint_path(std::string_view path);

}  // namespace proxy::host

// The C ABI's opaque admin response: filled through the host_api response_* callbacks.
struct proxy_admin_response {
  proxy::host::AdminReply reply;
};
