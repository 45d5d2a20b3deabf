// The session's way through parent proxies: dialling the route's parents in order, the
// CONNECT a tunnel asks a parent for, and what a parent's refusal becomes.
//
// Destination checks: the operator named the parent, so its own addresses are dialled
// wherever they are (loopback too) and only the loop guard applies to them. The target
// is resolved by the parent, under the parent's policy; an IP-literal target is still
// judged by upstream.deny_networks and local_destinations here (refuse_literal_target).
#include <spdlog/spdlog.h>

#include "connection/head_writer.hpp"
#include "connection/session.hpp"
#include "connection/session_support.hpp"
#include "connection/upstream_connector.hpp"

namespace proxy::core {
namespace {

using session_support::idle_and_open;
using session_support::parse_options;

// Which parent an open upstream connection goes to, credentials included: a connection
// made with one parent's credentials never carries another's requests.
bool same_parent(const host::ParentProxy& a, const host::ParentProxy& b) {
  return a.name == b.name && a.host == b.host && a.port == b.port &&
         a.authorization == b.authorization;
}

bool goes_through(const std::unique_ptr<host::ParentProxy>& open, const host::RouteChoice& route) {
  if (!open) {
    return false;
  }
  for (const host::ParentProxy& parent : route.parents) {
    if (same_parent(*open, parent)) {
      return true;
    }
  }
  return false;
}

}  // namespace

asio::awaitable<Session::UpstreamReady> Session::ensure_parent(const host::RequestData& request,
                                                               const host::RouteChoice& route,
                                                               bool tunnel) {
  if (auto refused = refuse_literal_target(request.host, request.port, context_.destinations,
                                           client_address_)) {
    transaction_->decided_by = "core";
    transaction_->verdict = PROXY_VERDICT_REJECT;
    co_await reply_error(refused->status, refused->reason, true);
    co_return UpstreamReady::failed;
  }
  // Kept-alive connections to a parent carry plain HTTP requests only; a tunnel gets a
  // connection of its own.
  if (!tunnel && goes_through(upstream_parent_, route) && idle_and_open(upstream_->socket())) {
    transaction_->upstream = upstream_parent_->name;
    co_return UpstreamReady::reused;
  }
  close_upstream();
  const ConnectOptions options{context_.config.timeouts.connect,
                               context_.config.upstream.happy_eyeballs_delay, true};
  // Only a parent that cannot be reached is passed over: one that answers and refuses
  // has spoken for the route.
  std::string unreachable;
  int status = 502;
  for (const host::ParentProxy& parent : route.parents) {
    transaction_->upstream = parent.name;
    auto connection = co_await connect_upstream(parent.host, parent.port, options,
                                                context_.destinations, client_address_);
    if (!connection.socket) {
      spdlog::debug("#{} parent {} cannot be reached: {}", conn_info_.id, parent.name,
                    connection.reason);
      unreachable.append(unreachable.empty() ? "" : "; ")
          .append(parent.name)
          .append(": ")
          .append(connection.reason);
      status = connection.status;
      continue;
    }
    upstream_ = std::make_unique<TimedSocket>(std::move(*connection.socket));
    upstream_key_ = authority(parent.host, parent.port, 0);
    upstream_parent_ = std::make_unique<host::ParentProxy>(parent);
    if (tunnel && !co_await open_parent_tunnel(authority(request.host, request.port, 0), parent)) {
      co_return UpstreamReady::failed;
    }
    co_return UpstreamReady::fresh;
  }
  transaction_->decided_by = "core";
  if (status == 508) {
    transaction_->verdict = PROXY_VERDICT_REJECT;  // a parent that is this proxy: a loop
  }
  co_await reply_error(status, "no parent proxy could be reached (" + unreachable + ")", true);
  co_return UpstreamReady::failed;
}

asio::awaitable<bool> Session::open_parent_tunnel(const std::string& target,
                                                  const host::ParentProxy& parent) {
  const std::string head = parent_connect_head(target, parent.authorization);
  // The parent answers once it reached the target itself: awaited as an origin's answer
  // is, for the idle time.
  Deadline deadline = Deadline::after(context_.config.timeouts.idle);
  proxy_parse_options options = parse_options(context_.config);
  options.response_to_connect = 1;
  HttpMessageParser parser(context_.parser, PROXY_HTTP_RESPONSE, options);
  ParsedHead answer;
  HeadResult result = HeadResult::closed;
  if (co_await upstream_->write(head, deadline) == IoStatus::ok) {
    // A client that leaves meanwhile frees the parent at once (a tunnel's client may
    // half-close and still read the answer).
    const ClientWatch watch(*this, false, [this] { upstream_->cancel(); });
    result =
        co_await read_head(*upstream_, upstream_buffer_, parser, answer, deadline, std::nullopt);
  }
  if (client_gone_) {
    close_upstream();
    co_return false;
  }
  const std::string named = "parent " + parent.name;
  std::string reason;
  int status = 502;
  switch (result) {
    case HeadResult::ok:
      if (answer.status >= 200 && answer.status < 300) {
        co_return true;
      }
      reason = named + " refused the tunnel: " + std::to_string(answer.status);
      if (!answer.reason.empty()) {
        reason.append(" ").append(answer.reason);
      }
      break;
    case HeadResult::timed_out:
      status = 504;
      reason = named + " did not answer the CONNECT in time";
      break;
    case HeadResult::failed:
      reason = named + " answered the CONNECT with an invalid head: " + parser.failure().reason;
      break;
    case HeadResult::closed:
      reason = named + " closed the connection before answering the CONNECT";
      break;
  }
  close_upstream();
  transaction_->decided_by = "core";
  co_await reply_error(status, reason, true);
  co_return false;
}

}  // namespace proxy::core
