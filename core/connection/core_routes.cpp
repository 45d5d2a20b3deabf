#include "connection/core_routes.hpp"

#include <string>

namespace proxy::core {
namespace {

host::AdminReply plain_reply(int status, std::string body) {
  host::AdminReply reply;
  reply.status = status;
  reply.headers.set("Content-Type", "text/plain; charset=utf-8");
  // A probe must see the state of this moment, never a cached one.
  reply.headers.set("Cache-Control", "no-store");
  reply.body = std::move(body);
  return reply;
}

}  // namespace

std::optional<host::AdminReply> core_route(std::string_view method, std::string_view path,
                                           bool shutdown_begun) {
  if (path != host::core_health_path && path != host::core_ready_path) {
    return std::nullopt;
  }
  if (method != "GET" && method != "HEAD") {
    host::AdminReply refused = plain_reply(405, "GET or HEAD only\n");
    refused.headers.set("Allow", "GET, HEAD");
    return refused;
  }
  if (path == host::core_health_path) {
    return plain_reply(200, "ok\n");
  }
  return shutdown_begun ? plain_reply(503, "shutting down\n") : plain_reply(200, "ready\n");
}

}  // namespace proxy::core
