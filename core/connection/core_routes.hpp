#pragma once

#include <optional>
#include <string_view>

#include "plugin_host/endpoint_registry.hpp"

namespace proxy::core {

// The admin routes the core answers itself, ahead of the endpoints plugins register (and
// behind the same admin.allow check):
//  - /_health: 200 while the process serves;
//  - /_ready: 200, or 503 once shutdown has begun, so a balancer's health check takes the
//    proxy out of rotation before the listener closes.
// GET and HEAD only; another method gets 405 with Allow. nullopt for any other path.
std::optional<host::AdminReply> core_route(std::string_view method, std::string_view path,
                                           bool shutdown_begun);

}  // namespace proxy::core
