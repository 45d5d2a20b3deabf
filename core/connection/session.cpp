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

using session_support::Clock;
using session_support::no_deadline;
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

Session::Session(ProxyContext& context, SessionTracker& tracker, tcp::socket client,
                 std::uint32_t worker)
    : context_(context),
      tracker_(tracker),
      client_(std::move(client)),
      deadline_(client_.get_executor()) {
  boost::system::error_code ec;
  const auto remote = client_.remote_endpoint(ec);
  const auto local = client_.local_endpoint(ec);
  conn_.id = context_.next_connection_id.fetch_add(1, std::memory_order_relaxed);
  client_address_ = remote.address();
  conn_.client_ip = client_address_.to_string();
  conn_.client_port = remote.port();
  conn_.client_key = client_key(client_address_, context_.config.server.ipv6_client_prefix);
  conn_.local_ip = local.address().to_string();
  conn_.local_port = local.port();
  conn_.worker = worker;
  conn_info_ = host::abi_conn_info(conn_);
  client_.set_option(tcp::no_delay(true), ec);
  deadline_.expires_at(no_deadline);
}

Session::~Session() {
  if (admitted_) {
    context_.limits.release(conn_.client_key);
    context_.registry.counters().connections_active.fetch_sub(1, std::memory_order_relaxed);
  }
}

void Session::start() {
  if (!context_.limits.try_acquire(conn_.client_key)) {
    spdlog::debug("conn {}: refused {}: connection limit reached", conn_.id, conn_.client_ip);
    context_.registry.counters().connections_refused.fetch_add(1, std::memory_order_relaxed);
    close_all();
    return;
  }
  admitted_ = true;
  auto& counters = context_.registry.counters();
  counters.connections_active.fetch_add(1, std::memory_order_relaxed);
  counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  tracker_.add(this);
  auto self = shared_from_this();
  asio::co_spawn(
      client_.get_executor(), [self] { return self->watchdog(); }, asio::detached);
  asio::co_spawn(
      client_.get_executor(), [self] { return self->run(); },
      [self](const std::exception_ptr& error) {
        if (error) {
          self->log_escaped_exception("session", error);
        }
        self->close_all();
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

// Moving the deadline later only records it: the watchdog's timer fires at the old time
// and waits again for the rest. The timer is reset (waking the watchdog) only when the
// deadline moves earlier, so streaming a body costs no timer operation per chunk.
void Session::arm(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  deadline_at_ = Clock::now() + timeout;
  if (deadline_.expiry() > deadline_at_) {
    deadline_.expires_at(deadline_at_);
  }
}

void Session::disarm() {
  deadline_at_ = no_deadline;
}

asio::awaitable<void> Session::watchdog() {
  auto self = shared_from_this();
  while (!closed_) {
    boost::system::error_code ec;
    co_await deadline_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) {
      break;
    }
    if (deadline_at_ <= Clock::now()) {
      timed_out_ = true;
      deadline_at_ = no_deadline;
      deadline_.expires_at(no_deadline);
      client_.cancel(ec);
      if (upstream_) {
        upstream_->cancel(ec);
      }
    } else if (deadline_.expiry() != deadline_at_) {
      deadline_.expires_at(deadline_at_);  // extended meanwhile (or disarmed): wait on
    }
  }
}

void Session::close_upstream() {
  if (upstream_) {
    boost::system::error_code ignored;
    upstream_->shutdown(tcp::socket::shutdown_both, ignored);
    upstream_->close(ignored);
    upstream_.reset();
    upstream_key_.clear();
  }
  upstream_buffer_.clear();
}

void Session::close_all() {
  if (closed_) {
    return;
  }
  closed_ = true;
  tracker_.remove(this);
  boost::system::error_code ignored;
  client_.shutdown(tcp::socket::shutdown_both, ignored);
  client_.close(ignored);
  close_upstream();
  deadline_.cancel();
}

asio::awaitable<bool> Session::read_more(tcp::socket& socket, std::string& buffer, ReadMode mode) {
  boost::system::error_code ec;
  std::size_t chunk = context_.config.limits.buffer_bytes;
  if (mode == ReadMode::wait_first) {
    // Waiting for readability first means an idle connection holds no read buffer, and
    // the buffer then grows only by what is there.
    co_await socket.async_wait(tcp::socket::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return false;
    }
    chunk = std::min(std::max<std::size_t>(socket.available(ec), 1), chunk);
  }
  const std::size_t old_size = buffer.size();
  buffer.resize(old_size + chunk);
  const std::size_t n = co_await socket.async_read_some(
      asio::buffer(buffer.data() + old_size, chunk), asio::redirect_error(asio::use_awaitable, ec));
  buffer.resize(old_size + n);
  co_return !ec && n > 0;
}

asio::awaitable<bool> Session::write_all(tcp::socket& socket, std::string_view bytes) {
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<Session::HeadResult> Session::read_head(tcp::socket& socket, std::string& buffer,
                                                        HttpMessageParser& parser, ParsedHead& head,
                                                        std::chrono::milliseconds timeout,
                                                        bool first_byte_counts, ReadMode mode) {
  // The client's header_read deadline starts with the first byte of the request, so an
  // idle keep-alive connection is governed by the idle timeout instead.
  bool armed = false;
  if (!buffer.empty() || !first_byte_counts) {
    arm(timeout);
    armed = true;
  }
  for (;;) {
    if (!buffer.empty()) {
      std::size_t consumed = 0;
      const ParseResult result = parser.parse_head(buffer, consumed, head);
      if (result == ParseResult::done) {
        buffer.erase(0, consumed);
        disarm();
        co_return HeadResult::ok;
      }
      if (result == ParseResult::error) {
        disarm();
        co_return HeadResult::failed;
      }
    }
    if (!co_await read_more(socket, buffer, mode)) {
      disarm();
      co_return timed_out_ ? HeadResult::timed_out : HeadResult::closed;
    }
    if (!armed) {
      arm(timeout);
      armed = true;
    }
  }
}

asio::awaitable<host::HookDecision> Session::decide(host::DecidingHook hook,
                                                    host::DecidingHookArgs args) {
  // The plain loop first: nothing is allocated unless a plugin defers.
  host::HookChain::Progress progress = host::HookChain::run(context_.registry, hook, args);
  if (progress.decision) {
    co_return std::move(*progress.decision);
  }
  // The completion arrives on a plugin's thread; `wake` brings it back here.
  auto wake = std::make_shared<asio::steady_timer>(client_.get_executor(), no_deadline);
  auto result = std::make_shared<std::optional<host::HookDecision>>();
  const auto executor = client_.get_executor();
  auto chain = host::HookChain::wait_for(
      context_.registry, hook, args, std::move(progress),
      [executor](std::function<void()> fn) { asio::post(executor, std::move(fn)); },
      [wake, result](host::HookDecision decision) {
        *result = std::move(decision);
        wake->cancel();
      });
  if (auto decided = chain->start()) {
    co_return *decided;
  }
  struct CancelOnExit {
    std::shared_ptr<host::HookChain> chain;
    const std::shared_ptr<std::optional<host::HookDecision>>& result;
    ~CancelOnExit() {
      if (!result->has_value()) {
        chain->cancel();
      }
    }
  } cancel_on_exit{chain, result};

  // One deadline for the whole chain: a later plugin that defers after an earlier one
  // completed gets what is left of timeouts.hook, not a fresh wait.
  const auto deadline = Clock::now() + context_.config.timeouts.hook;
  const ClientWatch watch(*this, hook != host::DecidingHook::sni, [wake] { wake->cancel(); });
  while (!result->has_value()) {
    boost::system::error_code ec;
    wake->expires_at(deadline);
    co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (result->has_value()) {
      break;
    }
    if (client_gone_) {
      co_return host::HookDecision{PROXY_VERDICT_CLOSE, 0, "client closed the connection", "core",
                                   0};
    }
    if (Clock::now() < deadline) {
      continue;  // woken early by nothing that concerns this wait
    }
    if (auto timed_out = chain->time_out()) {
      co_return *timed_out;
    }
    // A completion won the race and is already posted to this executor: let it run (it
    // may finish the chain, or start the next plugin's deferral, which then times out).
    co_await asio::post(executor, asio::use_awaitable);
  }
  co_return **result;
}

asio::awaitable<bool> Session::write_client(std::string_view bytes, std::string_view more) {
  arm(context_.config.timeouts.idle);
  boost::system::error_code ec;
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(bytes.data(), bytes.size()),
                                                     asio::buffer(more.data(), more.size())};
  co_await asio::async_write(client_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  disarm();
  co_return !ec;
}

asio::awaitable<void> Session::reply_error(int status, std::string_view reason, bool close,
                                           std::uint32_t retry_after_seconds) {
  if (transaction_) {
    transaction_->status = status;
    if (transaction_->reason.empty()) {
      transaction_->reason = std::string(reason);
    }
  }
  std::vector<std::pair<std::string, std::string>> extra;
  if (status == 429 || (status == 503 && retry_after_seconds > 0)) {
    extra.emplace_back("Retry-After",
                       std::to_string(std::max<std::uint32_t>(retry_after_seconds, 1)));
  }
  co_await write_client(error_response(status, reason, close, extra));
}

void Session::begin_transaction(const host::RequestData& request) {
  transaction_.emplace();
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
  transaction_.emplace();
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

asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  {
    const host::HookDecision decision =
        co_await decide(host::DecidingHook::accept, host::DecidingHookArgs{&conn_info_});
    if (!decision.allowed()) {
      spdlog::debug("conn {}: closed at accept by {}: {}", conn_.id, decision.plugin,
                    decision.reason);
      begin_connection_summary(decision.verdict, decision.plugin, decision.reason);
      end_transaction();
      co_return;
    }
  }

  bool keep_alive = true;
  while (keep_alive && !closed_ && !context_.stopping.load(std::memory_order_relaxed)) {
    HttpMessageParser parser(context_.parser, PROXY_HTTP_REQUEST, parse_options(context_.config));
    ParsedHead head;
    waiting_for_request_ = true;
    if (client_buffer_.empty()) {
      arm(context_.config.timeouts.idle);  // an idle keep-alive connection ends here
    }
    const HeadResult result =
        co_await read_head(client_, client_buffer_, parser, head,
                           context_.config.timeouts.header_read, true, ReadMode::wait_first);
    waiting_for_request_ = false;
    if (result == HeadResult::closed) {
      break;
    }
    if (result == HeadResult::timed_out) {
      if (!client_buffer_.empty()) {
        begin_connection_summary(PROXY_VERDICT_REJECT, "core", {});
        co_await reply_error(408, "request head not received in time", true);
        end_transaction();
      }
      break;
    }
    if (result == HeadResult::failed) {
      begin_connection_summary(PROXY_VERDICT_REJECT, "core", {});
      co_await reply_error(parser.failure().status, parser.failure().reason, true);
      end_transaction();
      break;
    }
    keep_alive = co_await handle_request(parser, head);
    end_transaction();
    // An idle keep-alive connection holds no buffer: give back what the bodies used.
    release_if_empty(client_buffer_);
    release_if_empty(upstream_buffer_);
  }
  close_all();
}

asio::awaitable<bool> Session::handle_request(HttpMessageParser& parser, ParsedHead& head) {
  const auto target = parse_request_target(head.method, head.target);
  host::RequestData request;
  request.method = head.method;
  request.target = head.target;
  request.version = head.version;
  request.is_connect = head.method == "CONNECT";
  for (auto& [name, value] : head.headers) {
    request.headers.add(name, value);
  }
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
  if (connection_nominates_framing(head.headers)) {
    // Dropping them as connection options would forward a differently framed request.
    co_await reply_error(400, "Connection must not name Content-Length, Transfer-Encoding or Host",
                         true);
    co_return false;
  }
  if (target->form == RequestTarget::Form::origin) {
    co_return co_await serve_admin(*target, head);
  }

  host::RequestView view(request, true);
  const host::HookDecision decision = co_await decide(
      host::DecidingHook::request, host::DecidingHookArgs{&conn_info_, &view, nullptr});
  if (!decision.allowed()) {
    transaction_->verdict = decision.verdict;
    transaction_->decided_by = decision.plugin;
    transaction_->reason = decision.reason;
    if (decision.verdict == PROXY_VERDICT_CLOSE) {
      co_return false;
    }
    const int status = decision.verdict == PROXY_VERDICT_FAILED ? 500 : decision.status;
    co_await reply_error(status, decision.reason, true, decision.retry_after_seconds);
    co_return false;
  }
  if (request.is_connect) {
    co_await tunnel(request);
    co_return false;
  }
  co_return co_await forward(parser, head, request);
}

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
  const auto reply =
      context_.registry.endpoints().dispatch(head.method, path, query, conn_.client_ip);
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
