// The session's CONNECT half: ClientHello peek, on_sni, and the two-way splice.
#include <memory>
#include <span>

#include "connection/session.hpp"
#include "connection/session_support.hpp"
#include "tls/client_hello_parser.hpp"

namespace proxy::core {
namespace {

using session_support::no_deadline;

// The largest ClientHello the tunnel peeks at (several TLS records; post-quantum key
// shares make them larger than one 16 KiB record).
constexpr std::size_t max_client_hello_bytes = std::size_t{64} * 1024;

}  // namespace

asio::awaitable<void> Session::peek_client_hello(std::string& peeked,
                                                 std::optional<tls::ClientHelloInfo>& hello) {
  // Clients of server-first protocols send nothing: give up after the peek timeout, the
  // longest any on_sni plugin asked for, else timeouts.header_read.
  const auto asked = context_.registry.sni_peek_timeout();
  arm(asked.count() > 0 ? asked : context_.config.timeouts.header_read);
  for (;;) {
    auto result = tls::parse_client_hello(
        std::span(reinterpret_cast<const std::uint8_t*>(peeked.data()), peeked.size()),
        max_client_hello_bytes);
    if (result.status == tls::PeekStatus::client_hello) {
      hello = std::move(result.hello);
      break;
    }
    if (result.status != tls::PeekStatus::need_more) {
      break;  // not TLS, malformed or too large: plugins see is_tls = false
    }
    if (!co_await read_more(client_, peeked, ReadMode::wait_first)) {
      break;
    }
  }
  disarm();
}

asio::awaitable<bool> Session::pump(tcp::socket& from, tcp::socket& to, proxy_direction direction) {
  // The buffer exists only while data flows: a quiet tunnel waits for readability
  // without one, and gives it back whenever the sender has nothing more queued.
  const std::size_t size = context_.config.limits.buffer_bytes;
  std::unique_ptr<char[]> buffer;
  for (;;) {
    boost::system::error_code ec;
    if (!buffer) {
      co_await from.async_wait(tcp::socket::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return false;
      }
      buffer = std::make_unique_for_overwrite<char[]>(size);
    }
    const std::size_t n = co_await from.async_read_some(
        asio::buffer(buffer.get(), size), asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) {
      arm(context_.config.timeouts.idle);
      count_bytes(direction, std::string_view(buffer.get(), n));
      boost::system::error_code write_ec;
      co_await asio::async_write(to, asio::buffer(buffer.get(), n),
                                 asio::redirect_error(asio::use_awaitable, write_ec));
      if (write_ec) {
        co_return false;
      }
    }
    if (ec) {
      // The sender finished: pass the half-close on, let the other direction go on.
      to.shutdown(tcp::socket::shutdown_send, ec);
      co_return ec != asio::error::operation_aborted;
    }
    if (from.available(ec) == 0) {
      buffer.reset();
    }
  }
}

asio::awaitable<bool> Session::splice_pump(tcp::socket& from, tcp::socket& to,
                                           proxy_direction direction) {
  const SpliceEnd end = co_await splice_bytes(from, to, direction, unlimited_bytes);
  if (end == SpliceEnd::no_pipe) {
    co_return co_await pump(from, to, direction);  // no descriptor for a pipe: copy
  }
  if (end == SpliceEnd::source_ended || end == SpliceEnd::source_failed) {
    // The sender finished: pass the half-close on, let the other direction go on.
    boost::system::error_code ec;
    to.shutdown(tcp::socket::shutdown_send, ec);
  }
  co_return end == SpliceEnd::source_ended;
}

asio::awaitable<void> Session::tunnel(host::RequestData& request) {
  if (!co_await ensure_upstream(request.host, request.port)) {
    co_return;
  }
  transaction_->status = 200;
  // Counted from the 200 until the tunnel ends, whichever way it ends.
  struct ActiveTunnel {
    std::atomic<std::uint64_t>& count;
    explicit ActiveTunnel(std::atomic<std::uint64_t>& c) : count(c) {
      count.fetch_add(1, std::memory_order_relaxed);
    }
    ~ActiveTunnel() { count.fetch_sub(1, std::memory_order_relaxed); }
    ActiveTunnel(const ActiveTunnel&) = delete;
    ActiveTunnel& operator=(const ActiveTunnel&) = delete;
  } active_tunnel(context_.registry.counters().tunnels_active);
  if (!co_await write_client("HTTP/1.1 200 Connection Established\r\n\r\n")) {
    co_return;
  }
  // Bytes the client sent right behind the CONNECT head belong to the tunnel.
  std::string peeked = std::move(client_buffer_);
  client_buffer_.clear();
  if (!context_.registry.with_hook(host::HookPoint::sni).empty()) {
    std::optional<tls::ClientHelloInfo> hello;
    co_await peek_client_hello(peeked, hello);
    if (hello) {
      transaction_->sni = hello->sni;
    }
    const host::ClientHelloView hello_view(hello ? &*hello : nullptr);
    host::RequestView request_view(request, false);
    const host::HookDecision decision =
        co_await decide(host::DecidingHook::sni,
                        host::DecidingHookArgs{&conn_info_, &request_view, hello_view.get()});
    if (!decision.allowed()) {
      // Nothing peeked has reached the upstream: close both sides.
      transaction_->verdict = decision.verdict;
      transaction_->decided_by = decision.plugin;
      transaction_->reason = decision.reason;
      co_return;
    }
    // What the client sent while on_sni was deciding follows what was peeked.
    peeked.append(client_buffer_);
    client_buffer_.clear();
  }
  if (!peeked.empty()) {
    count_bytes(PROXY_DIRECTION_CLIENT_TO_UPSTREAM, peeked);
    arm(context_.config.timeouts.idle);
    const bool written = co_await write_all(*upstream_, peeked);
    disarm();
    if (!written) {
      co_return;
    }
    peeked = std::string();
  }

  // Two pumps on this executor; whichever side ends first half-closes the other, and
  // the idle deadline closes both when nothing moves.
  arm(context_.config.timeouts.idle);
  auto self = shared_from_this();
  auto other_done = std::make_shared<asio::steady_timer>(client_.get_executor(), no_deadline);
  auto other_finished = std::make_shared<bool>(false);
  // Nobody watches the bytes: they move inside the kernel (splice through a pipe).
  const bool in_kernel = context_.registry.with_hook(host::HookPoint::bytes).empty();
  asio::co_spawn(
      client_.get_executor(),
      [self, in_kernel] {
        return in_kernel ? self->splice_pump(self->client_, *self->upstream_,
                                             PROXY_DIRECTION_CLIENT_TO_UPSTREAM)
                         : self->pump(self->client_, *self->upstream_,
                                      PROXY_DIRECTION_CLIENT_TO_UPSTREAM);
      },
      [self, other_done, other_finished](const std::exception_ptr& error, bool) {
        if (error) {
          self->log_escaped_exception("client-to-upstream pump", error);
        }
        *other_finished = true;
        other_done->cancel();
      });
  if (in_kernel) {
    co_await splice_pump(*upstream_, client_, PROXY_DIRECTION_UPSTREAM_TO_CLIENT);
  } else {
    co_await pump(*upstream_, client_, PROXY_DIRECTION_UPSTREAM_TO_CLIENT);
  }
  if (!*other_finished) {
    boost::system::error_code ec;
    co_await other_done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  disarm();
}

}  // namespace proxy::core
