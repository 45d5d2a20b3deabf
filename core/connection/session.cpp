#include "connection/session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <vector>

#include "connection/client_key.hpp"
#include "connection/head_writer.hpp"
#include "connection/session_support.hpp"
#include "connection/session_tracker.hpp"

namespace proxy::core {
namespace {

using session_support::parse_options;

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void release_if_empty(std::string& buffer) {
  if (buffer.empty()) {
    std::string().swap(buffer);
  }
}

}  // namespace

Session::Session(ProxyContext& context, std::shared_ptr<const Generation> generation,
                 SessionTracker& tracker, tcp::socket client, std::uint32_t worker)
    : context_(context, std::move(generation)), tracker_(tracker), client_(std::move(client)) {
  boost::system::error_code ec;
  const auto remote = client_.socket().remote_endpoint(ec);
  const auto local = client_.socket().local_endpoint(ec);
  conn_.id = context_.next_connection_id.fetch_add(1, std::memory_order_relaxed);
  client_address_ = remote.address();
  conn_.client_ip = client_address_.to_string();
  conn_.client_port = remote.port();
  conn_.client_key = client_key(client_address_, context_.config.server.ipv6_client_prefix);
  conn_.local_ip = local.address().to_string();
  conn_.local_port = local.port();
  conn_.worker = worker;
  conn_info_ = host::abi_conn_info(conn_);
  client_.socket().set_option(tcp::no_delay(true), ec);
}

Session::~Session() {
  if (admitted_) {
    context_.limits.release_client(conn_.client_key);
    context_.registry.counters().connections_active.fetch_sub(1, std::memory_order_relaxed);
  }
  if (holds_slot_) {
    context_.limits.release_slot();
  }
}

void Session::start() {
  // With PROXY protocol the peer is a balancer and the client is known only once its
  // header is read: until then the connection holds a slot of max_connections (which,
  // with the header timeout, bounds a flood of slow headers) but no per-client share.
  const bool proxied =
      context_.config.server.proxy_protocol.mode == config::ProxyProtocolMode::required;
  if (proxied && !config::any_contains(context_.config.server.proxy_protocol.trusted,
                                       config::parse_ip_address(conn_.client_ip))) {
    refuse_proxy_protocol("the peer is not in server.proxy_protocol.trusted");
    return;
  }
  if (!context_.limits.try_acquire_slot()) {
    spdlog::debug("conn {}: refused {}: connection limit reached", conn_.id, conn_.client_ip);
    context_.registry.counters().connections_refused.fetch_add(1, std::memory_order_relaxed);
    close_all();
    return;
  }
  holds_slot_ = true;
  if (!proxied && !admit_client()) {
    return;
  }
  tracker_.add(this, client_.socket().get_executor());
  spawn(&Session::run);
}

bool Session::admit_client() {
  auto& counters = context_.registry.counters();
  if (!context_.limits.try_acquire_client(conn_.client_key)) {
    spdlog::debug("conn {}: refused {}: connection limit reached", conn_.id, conn_.client_ip);
    counters.connections_refused.fetch_add(1, std::memory_order_relaxed);
    close_all();
    return false;
  }
  admitted_ = true;
  counters.connections_active.fetch_add(1, std::memory_order_relaxed);
  counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Session::spawn(asio::awaitable<void> (Session::*body)()) {
  // The body closes the session itself, or parks it; the handler only catches what
  // escaped.
  auto self = shared_from_this();
  asio::co_spawn(
      client_.socket().get_executor(), [self, body] { return ((*self).*body)(); },
      [self](const std::exception_ptr& error) {
        if (error) {
          self->log_escaped_exception("session", error);
          self->close_all();
        }
      });
}

void Session::park() {
  if (context_.stopping.load(std::memory_order_relaxed)) {
    close_all();  // shutdown began while the last request was served (on_stop came then)
    return;
  }
  waiting_for_request_ = true;
  parked_ = true;
  parked_until_ = Clock::now() + context_.config.timeouts.idle;
  client_.socket().async_wait(tcp::socket::wait_read,
                              [self = shared_from_this()](const boost::system::error_code& ec) {
                                self->parked_ = false;
                                if (ec || self->closed_) {
                                  self->close_all();  // idle too long, shutdown, or an error
                                  return;
                                }
                                self->client_.note_readable();
                                self->spawn(&Session::serve);
                              });
}

void Session::log_escaped_exception(std::string_view where, const std::exception_ptr& error) const {
  // Nothing may escape a completion handler: it would end the io thread and the process.
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("conn {}: {} failed: {}", conn_.id, where, e.what());
  } catch (...) {
    spdlog::error("conn {}: {} failed with a non-standard exception", conn_.id, where);
  }
}

void Session::on_stop() {
  if (waiting_for_request_ && client_buffer_.empty()) {
    close_all();
  }
}

void Session::close_upstream() {
  if (upstream_) {
    upstream_->close();
    upstream_.reset();
    upstream_key_.clear();
    upstream_parent_.reset();
  }
  upstream_buffer_.clear();
}

void Session::close_all() {
  if (closed_) {
    return;
  }
  closed_ = true;
  tracker_.remove(this);
  client_.close();
  close_upstream();
  if (accept_ran_ && !context_.registry.with_hook(host::HookPoint::connection_end).empty()) {
    host::run_on_connection_end(context_.registry, conn_info_);
  }
}

asio::awaitable<void> Session::reply_error(int status, std::string_view reason, bool close,
                                           std::uint32_t retry_after_seconds,
                                           const host::HeaderList& plugin_headers) {
  if (transaction_) {
    transaction_->status = status;
    if (transaction_->reason.empty()) {
      transaction_->reason = std::string(reason);
    }
  }
  host::HeaderList extra = plugin_headers;
  if (status == 429 || (status == 503 && retry_after_seconds > 0)) {
    extra.add("Retry-After", std::to_string(std::max<std::uint32_t>(retry_after_seconds, 1)));
  }
  co_await write_client(error_response(status, reason, close, extra));
}

void Session::begin_transaction(const host::RequestData& request) {
  transaction_ = std::make_unique<host::TransactionData>();
  transaction_start_ = Clock::now();
  transaction_->start_unix_ms = unix_ms();
  transaction_->kind = request.is_connect ? PROXY_TRANSACTION_TUNNEL : PROXY_TRANSACTION_REQUEST;
  transaction_->method = request.method;
  transaction_->host = request.host;
  transaction_->port = request.port;
  transaction_->target = request.target;
}

void Session::begin_connection_summary(proxy_verdict verdict, std::string plugin,
                                       std::string reason) {
  transaction_ = std::make_unique<host::TransactionData>();
  transaction_start_ = Clock::now();
  transaction_->start_unix_ms = unix_ms();
  transaction_->kind = PROXY_TRANSACTION_CONNECTION;
  transaction_->verdict = verdict;
  transaction_->decided_by = std::move(plugin);
  transaction_->reason = std::move(reason);
}

void Session::end_transaction() {
  if (!transaction_) {
    return;
  }
  transaction_->duration_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - transaction_start_)
          .count());
  if (!context_.registry.with_hook(host::HookPoint::close).empty()) {
    const proxy_transaction abi = host::abi_transaction(*transaction_, conn_info_);
    host::run_on_close(context_.registry, abi);
  }
  transaction_.reset();
}

void Session::count_bytes(proxy_direction direction, std::string_view bytes) {
  if (transaction_) {
    (direction == PROXY_DIRECTION_CLIENT_TO_UPSTREAM ? transaction_->bytes_client_to_upstream
                                                     : transaction_->bytes_upstream_to_client) +=
        bytes.size();
  }
  if (!context_.registry.with_hook(host::HookPoint::bytes).empty()) {
    host::run_on_bytes(context_.registry, conn_info_, direction, bytes);
  }
}

// The connection loop: accept, then one request after another while bytes keep coming.
// Between requests the session is parked: it waits for the client's next byte with a
// plain handler, holding no coroutine frame, no parser and no buffer (Asio's coroutine
// machinery for one pending read costs more than a kilobyte per connection).
asio::awaitable<void> Session::run() {
  if (context_.config.server.proxy_protocol.mode == config::ProxyProtocolMode::required) {
    const bool received = co_await receive_proxy_header();
    if (!received) {
      close_all();
      co_return;
    }
  }
  const bool accepted = co_await accept_connection();
  if (!accepted) {
    close_all();
    co_return;
  }
  park();
  co_return;
}

asio::awaitable<void> Session::serve() {
  while (!closed_ && !context_.stopping.load(std::memory_order_relaxed)) {
    // The first bytes are there (or the end of the stream): the head has header_read
    // from its first byte.
    Deadline deadline = Deadline::after(context_.config.timeouts.idle);
    const bool keep_alive = co_await serve_request(deadline);
    end_transaction();
    // An idle keep-alive connection holds no buffer: give back what the bodies used.
    release_if_empty(client_buffer_);
    release_if_empty(upstream_buffer_);
    if (!keep_alive) {
      break;
    }
    if (client_buffer_.empty()) {
      park();
      co_return;
    }
  }
  close_all();
  co_return;
}

asio::awaitable<bool> Session::accept_connection() {
  accept_ran_ = true;  // from here on_connection_end is owed
  const host::DecidingHookArgs args{&conn_info_};
  auto progress = host::HookChain::run(context_.registry, host::DecidingHook::accept, args);
  // (No co_await inside ?: or &&: GCC 12 mishandles the temporaries there.)
  std::optional<host::HookDecision> decided = std::move(progress.decision);
  if (!decided) {
    decided = co_await wait_for_deferral(host::DecidingHook::accept, args, std::move(progress));
  }
  const host::HookDecision& decision = *decided;
  if (!decision.allowed()) {
    spdlog::debug("conn {}: closed at accept by {}: {}", conn_.id, decision.plugin,
                  decision.reason);
    begin_connection_summary(decision.verdict, decision.plugin, decision.reason);
    end_transaction();
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Session::serve_request(Deadline& deadline) {
  waiting_for_request_ = true;
  HttpMessageParser parser(context_.parser, PROXY_HTTP_REQUEST, parse_options(context_.config));
  ParsedHead head;
  const HeadResult result = co_await read_head(client_, client_buffer_, parser, head, deadline,
                                               context_.config.timeouts.header_read);
  waiting_for_request_ = false;
  switch (result) {
    case HeadResult::ok:
      co_return co_await handle_request(parser, head);
    case HeadResult::closed:
      co_return false;
    case HeadResult::timed_out:
      if (!client_buffer_.empty()) {
        begin_connection_summary(PROXY_VERDICT_REJECT, "core", {});
        co_await reply_error(408, "request head not received in time", true);
      }
      co_return false;
    case HeadResult::failed:
      begin_connection_summary(PROXY_VERDICT_REJECT, "core", {});
      co_await reply_error(parser.failure().status, parser.failure().reason, true);
      co_return false;
  }
  co_return false;
}

asio::awaitable<bool> Session::handle_request(HttpMessageParser& parser, ParsedHead& head) {
  const auto target = parse_request_target(head.method, head.target);
  host::RequestData request;
  request.method = head.method;
  request.target = head.target;
  request.version = head.version;
  request.is_connect = head.method == "CONNECT";
  // Framing and connection options as received, before hooks edit the fields; the
  // fields themselves move on to the hooks and then to the wire.
  const ReceivedHead received =
      received_head(head.headers, head.body, head.content_length, head.version);
  request.headers = std::move(head.headers);
  if (target) {
    request.host = target->host;
    request.port = target->port;
    request.path = target->path;
  }
  begin_transaction(request);
  if (!target) {
    co_await reply_error(400, "unsupported request target", true);
    co_return false;
  }
  if (connection_nominates_framing(request.headers)) {
    // Dropping them as connection options would forward a differently framed request.
    co_await reply_error(400, "Connection must not name Content-Length, Transfer-Encoding or Host",
                         true);
    co_return false;
  }
  if (target->form == RequestTarget::Form::origin) {
    co_return co_await serve_admin(*target, head);
  }

  host::RequestView view(request, true, &transaction_->attributes);
  host::RouteChoice route;
  const host::DecidingHookArgs args{&conn_info_, &view, nullptr, &transaction_->attributes, &route};
  auto progress = host::HookChain::run(context_.registry, host::DecidingHook::request, args);
  std::optional<host::HookDecision> decided = std::move(progress.decision);
  if (!decided) {
    decided = co_await wait_for_deferral(host::DecidingHook::request, args, std::move(progress));
  }
  const host::HookDecision& decision = *decided;
  if (!decision.allowed()) {
    transaction_->verdict = decision.verdict;
    transaction_->decided_by = decision.plugin;
    transaction_->reason = decision.reason;
    if (decision.verdict == PROXY_VERDICT_CLOSE) {
      co_return false;
    }
    const int status = decision.verdict == PROXY_VERDICT_FAILED ? 500 : decision.status;
    co_await reply_error(status, decision.reason, true, decision.retry_after_seconds,
                         decision.headers);
    co_return false;
  }
  if (request.is_connect) {
    co_await tunnel(request, route);
    co_return false;
  }
  co_return co_await forward(parser, head, received, request, route);
}

}  // namespace proxy::core
