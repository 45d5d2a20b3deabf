// The session's plain-HTTP half: the upstream connection, the request head, and the
// request body going up beside the wait for the answer (full duplex).
#include <spdlog/spdlog.h>

#include "connection/head_writer.hpp"
#include "connection/session.hpp"
#include "connection/session_support.hpp"
#include "connection/side_task.hpp"
#include "connection/upgrade_offer.hpp"
#include "connection/upstream_connector.hpp"

namespace proxy::core {
namespace {

using session_support::idle_and_open;

// True when a `name` field's value contains `token` (lowercase), case-insensitively.
bool has_token(const host::HeaderList& headers, std::string_view name, std::string_view token) {
  for (const auto& [field, value] : headers.fields()) {
    if (!host::header_name_equals(field, name) || value.size() < token.size()) {
      continue;
    }
    for (std::size_t at = 0; at + token.size() <= value.size(); ++at) {
      if (host::header_name_equals(std::string_view(value).substr(at, token.size()), token)) {
        return true;
      }
    }
  }
  return false;
}

// How long a client that is still sending a body the origin no longer wants is read
// (and the bytes dropped) before the connection closes: closing with unread bytes would
// reset the connection, and the reset can destroy the answer before the client read it.
constexpr std::chrono::milliseconds linger_time{1000};

// RFC 9110 9.2.2: a request whose repetition has the same effect as one.
bool idempotent(std::string_view method) {
  for (const std::string_view known : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
    if (method == known) {
      return true;
    }
  }
  return false;
}

}  // namespace

asio::awaitable<Session::UpstreamReady> Session::ensure_upstream(const host::RequestData& request,
                                                                 const host::RouteChoice& route,
                                                                 bool tunnel) {
  if (route.via_parents()) {
    co_return co_await ensure_parent(request, route, tunnel);
  }
  transaction_->upstream = PROXY_UPSTREAM_DIRECT;
  // A connection to a parent is never reused for a direct request, nor the other way;
  // a tunnel always gets a connection of its own: a kept-alive one carries an HTTP
  // exchange the origin may still hold state for.
  const std::string key = authority(request.host, request.port, 0);
  if (!tunnel && upstream_ && !upstream_parent_ && upstream_key_ == key &&
      idle_and_open(upstream_->socket())) {
    co_return UpstreamReady::reused;
  }
  close_upstream();
  const ConnectOptions options{context_.config.timeouts.connect,
                               context_.config.upstream.happy_eyeballs_delay};
  auto connection = co_await connect_upstream(request.host, request.port, options,
                                              context_.destinations, client_address_);
  if (!connection.socket) {
    transaction_->decided_by = "core";
    // A denied address (403) or a loop (508) is the core's own policy refusal; an
    // unreachable or slow upstream (502/504) is a failure of an allowed request.
    if (connection.status == 403 || connection.status == 508) {
      transaction_->verdict = PROXY_VERDICT_REJECT;
    }
    co_await reply_error(connection.status, connection.reason, true);
    co_return UpstreamReady::failed;
  }
  upstream_ = std::make_unique<TimedSocket>(std::move(*connection.socket));
  upstream_key_ = key;
  co_return UpstreamReady::fresh;
}

asio::awaitable<bool> Session::forward(HttpMessageParser& request_parser, const ParsedHead& head,
                                       const ReceivedHead& received, host::RequestData& request,
                                       const host::RouteChoice& route) {
  const bool expects_continue = has_token(request.headers, "expect", "100-continue");
  if (expects_continue) {
    request.headers.remove("Expect");  // answered here: the client need not wait for the origin
  }
  // An offer to switch protocols passes on for those upstream.upgrade_allowed lists, on a
  // request without a body (the switch comes after the request).
  const std::string upgrade =
      head.body == PROXY_BODY_NONE
          ? offered_upgrade(request.headers, received, context_.config.upstream.upgrade_allowed)
          : std::string();
  const std::string host_header = authority(request.host, request.port, 80);
  // A reused connection the origin closed just as the request went out (its idle timeout
  // met ours) loses the request through no fault of the client's: it is sent once more,
  // on a new connection, when it can be (idempotent, and no body: what was streamed up
  // is gone) and the origin sent nothing back.
  const bool replayable =
      head.body == PROXY_BODY_NONE && !expects_continue && idempotent(request.method);
  for (bool retried = false;; retried = true) {
    const UpstreamReady ready = co_await ensure_upstream(request, route, false);
    if (ready == UpstreamReady::failed) {
      co_return false;
    }
    // To a parent: the absolute-form target and the parent's own credentials.
    const std::string upstream_head =
        upstream_parent_
            ? upstream_request_head(request.method, "http://" + host_header + request.path,
                                    request.headers, received, host_header, upgrade,
                                    upstream_parent_->authorization)
            : upstream_request_head(request.method, request.path, request.headers, received,
                                    host_header, upgrade);
    const ResponseTerms terms{replayable && !retried && ready == UpstreamReady::reused, upgrade};
    const auto outcome = co_await send_and_relay(request_parser, head, request, upstream_head,
                                                 expects_continue, terms);
    if (!outcome) {
      close_upstream();
      spdlog::debug("#{} {} {}: the reused upstream connection was closed; trying a new one",
                    conn_info_.id, request.method, request.target);
      continue;
    }
    co_return *outcome;
  }
}

asio::awaitable<std::optional<bool>> Session::send_and_relay(
    HttpMessageParser& request_parser, const ParsedHead& head, host::RequestData& request,
    const std::string& upstream_head, bool expects_continue, ResponseTerms terms) {
  count_bytes(PROXY_DIRECTION_CLIENT_TO_UPSTREAM, upstream_head);
  // The whole exchange: bytes moving either way keep it alive for the idle time.
  Deadline exchange = Deadline::after(context_.config.timeouts.idle);
  if (co_await upstream_->write(upstream_head, exchange) != IoStatus::ok) {
    // A reused upstream connection may have been closed by the origin meanwhile.
    if (terms.may_retry) {
      co_return std::nullopt;
    }
    close_upstream();
    co_await reply_error(502, "upstream closed the connection", true);
    co_return false;
  }
  if (expects_continue && !co_await write_client("HTTP/1.1 100 Continue\r\n\r\n")) {
    close_upstream();
    co_return false;
  }

  // The body goes up beside the wait for the answer, so an origin that answers early
  // (401, 413, a redirect) is heard at once. While it runs, the upstream socket is only
  // ever cancelled, never dropped: the upload still refers to it.
  std::optional<SideTask> upload;
  Upload state;
  if (head.body != PROXY_BODY_NONE) {
    upload.emplace(client_.socket().get_executor(), shared_from_this(), "request body relay",
                   [this, &request_parser, &state, &exchange, &head]() -> asio::awaitable<void> {
                     state.result =
                         co_await relay_body(client_, client_buffer_, *upstream_, request_parser,
                                             PROXY_DIRECTION_CLIENT_TO_UPSTREAM,
                                             BodyShape{head.body, head.content_length}, exchange);
                     if (state.result == RelayResult::source_failed) {
                       upstream_->cancel();  // no answer to a broken request is passed on
                     }
                   });
    state.task = &*upload;
  }
  const ResponseOutcome outcome =
      co_await relay_response(request_parser, head, request, exchange, state, terms);
  if (outcome.stale_upstream) {
    co_return std::nullopt;  // no body went up (may_retry), nothing reached the client
  }
  if (outcome.switched) {
    co_await relay_switched();  // no body went up either: the bytes are the new protocol's
    co_return false;
  }
  const bool stopped_early = state.running();
  if (upload) {
    if (stopped_early) {
      // The answer is complete before the request body: the origin does not want the
      // rest. Stop sending it, by its deadline (a cancel would miss an operation that
      // has completed but not resumed yet); the client connection closes after this.
      exchange.end();
      check_deadline(Clock::now());
    }
    co_await upload->join();
  }
  const bool request_complete = !upload || state.result == RelayResult::done;
  if (!request_complete || !outcome.upstream_reusable) {
    close_upstream();
  }
  if (outcome.answered && (stopped_early || state.result == RelayResult::sink_failed)) {
    co_await drain_client(linger_time);
  }
  co_return outcome.client_keep_alive&& request_complete;
}

asio::awaitable<void> Session::drain_client(std::chrono::milliseconds limit) {
  client_.shutdown_send();
  const Deadline deadline = Deadline::after(limit);
  std::string dropped;
  while (co_await client_.read_some(dropped, context_.config.limits.buffer_bytes, deadline) ==
         IoStatus::ok) {
    dropped.clear();
  }
}

}  // namespace proxy::core
