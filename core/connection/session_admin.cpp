// The session's admin half: origin-form requests to the core's routes (/_health, /_ready)
// and the endpoints plugins register, for admin.allow clients only.
#include "connection/core_routes.hpp"
#include "connection/head_writer.hpp"
#include "connection/session.hpp"

namespace proxy::core {

asio::awaitable<bool> Session::serve_admin(const RequestTarget& target, const ParsedHead& head) {
  // Admin requests carry no body; refusing one keeps the connection's framing simple.
  if (head.body != PROXY_BODY_NONE) {
    co_await reply_error(400, "admin endpoints take no request body", true);
    co_return false;
  }
  const auto address = config::parse_ip_address(conn_.client_ip);
  if (!config::any_contains(context_.config.admin.allow, address)) {
    transaction_->verdict = PROXY_VERDICT_REJECT;
    transaction_->decided_by = "core";
    co_await reply_error(403, "admin endpoints are not available to this client", !head.keep_alive);
    co_return head.keep_alive;
  }
  const auto query_start = target.path.find('?');
  const std::string_view path = std::string_view(target.path).substr(0, query_start);
  const std::string_view query = query_start == std::string::npos
                                     ? std::string_view()
                                     : std::string_view(target.path).substr(query_start + 1);
  auto reply =
      core_route(head.method, path, context_.shutdown_begun.load(std::memory_order_relaxed));
  if (!reply) {
    reply = context_.registry.endpoints().dispatch(head.method, path, query, conn_.client_ip);
  }
  if (!reply) {
    co_await reply_error(404, "no such endpoint", !head.keep_alive);
    co_return head.keep_alive;
  }
  transaction_->status = reply->status;
  std::string out = "HTTP/1.1 " + std::to_string(reply->status) + " ";
  out.append(status_text(reply->status)).append("\r\n");
  for (const auto& [name, value] : reply->headers.fields()) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out.append("Content-Length: ").append(std::to_string(reply->body.size())).append("\r\n");
  if (!head.keep_alive) {
    out.append("Connection: close\r\n");
  }
  out.append("\r\n");
  if (head.method != "HEAD") {
    out.append(reply->body);
  }
  transaction_->bytes_upstream_to_client += out.size();
  const bool written = co_await write_client(out);
  co_return written&& head.keep_alive;
}

}  // namespace proxy::core
