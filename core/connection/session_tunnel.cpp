// The session's CONNECT half: ClientHello peek, on_sni, and the two-way splice.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "connection/session.hpp"
#include "connection/side_task.hpp"
#include "tls/client_hello_parser.hpp"

namespace proxy::core {
namespace {

// The largest ClientHello the tunnel peeks at (several TLS records; post-quantum key
// shares make them larger than one 16 KiB record).
constexpr std::size_t max_client_hello_bytes = std::size_t{64} * 1024;

// Counts a tunnel in tunnels_active while it lives, whichever way it ends.
class ActiveTunnel {
 public:
  explicit ActiveTunnel(std::atomic<std::uint64_t>& count) : count_(count) {
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  ~ActiveTunnel() { count_.fetch_sub(1, std::memory_order_relaxed); }
  ActiveTunnel(const ActiveTunnel&) = delete;
  ActiveTunnel& operator=(const ActiveTunnel&) = delete;

 private:
  std::atomic<std::uint64_t>& count_;
};

}  // namespace

asio::awaitable<void> Session::peek_client_hello(std::string& peeked,
                                                 std::optional<tls::ClientHelloInfo>& hello) {
  // Clients of server-first protocols send nothing: give up after the peek timeout, the
  // longest any on_sni plugin asked for, else timeouts.header_read.
  const auto asked = context_.registry.sni_peek_timeout();
  const Deadline deadline =
      Deadline::after(asked.count() > 0 ? asked : context_.config.timeouts.header_read);
  for (;;) {
    auto result = tls::parse_client_hello(
        std::span(reinterpret_cast<const std::uint8_t*>(peeked.data()), peeked.size()),
        max_client_hello_bytes);
    if (result.status == tls::PeekStatus::client_hello) {
      hello = std::move(result.hello);
      co_return;
    }
    if (result.status != tls::PeekStatus::need_more) {
      co_return;  // not TLS, malformed or too large: plugins see is_tls = false
    }
    if (co_await client_.read_some(peeked, context_.config.limits.buffer_bytes, deadline) !=
        IoStatus::ok) {
      co_return;
    }
  }
}

asio::awaitable<bool> Session::copy_stream(TimedSocket& from, TimedSocket& to,
                                           proxy_direction direction, Deadline& activity) {
  // The buffer exists only while data flows: a quiet tunnel waits for readability
  // without one, and gives it back whenever the sender has nothing more queued.
  const std::size_t size = context_.config.limits.buffer_bytes;
  const auto idle = context_.config.timeouts.idle;
  std::string buffer;
  for (;;) {
    const IoStatus read = co_await from.read_some(buffer, size, activity);
    if (read == IoStatus::closed) {
      co_return true;  // the sender finished
    }
    if (read != IoStatus::ok) {
      co_return false;
    }
    activity.extend(idle);
    count_bytes(direction, buffer);
    if (co_await to.write(buffer, activity) != IoStatus::ok) {
      co_return false;
    }
    activity.extend(idle);
    buffer.clear();
    boost::system::error_code ec;
    if (from.socket().available(ec) == 0) {
      std::string().swap(buffer);
    }
  }
}

asio::awaitable<bool> Session::relay_stream(TimedSocket& from, TimedSocket& to,
                                            proxy_direction direction, Deadline& activity) {
  bool finished = false;
  if (context_.registry.with_hook(host::HookPoint::bytes).empty()) {
    // Nobody watches the bytes: they move inside the kernel.
    const SpliceEnd end = co_await splice_bytes(from, to, direction, unlimited_bytes, activity);
    finished = end == SpliceEnd::source_ended;
    if (end == SpliceEnd::no_pipe) {
      finished = co_await copy_stream(from, to, direction, activity);  // no descriptor for a pipe
    } else if (end != SpliceEnd::source_ended && end != SpliceEnd::source_failed) {
      co_return false;  // the receiver is gone: nothing to pass on
    }
  } else {
    finished = co_await copy_stream(from, to, direction, activity);
  }
  // The sender finished (or failed): pass the half-close on, let the other direction go on.
  to.shutdown_send();
  co_return finished;
}

asio::awaitable<void> Session::tunnel(host::RequestData& request, const host::RouteChoice& route) {
  if (co_await ensure_upstream(request, route, true) == UpstreamReady::failed) {
    co_return;
  }
  transaction_->status = 200;
  const ActiveTunnel active_tunnel(context_.registry.counters().tunnels_active);  // from the 200
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
    host::RequestView request_view(request, false, &transaction_->attributes);
    const host::DecidingHookArgs args{&conn_info_, &request_view, hello_view.get(),
                                      &transaction_->attributes};
    auto progress = host::HookChain::run(context_.registry, host::DecidingHook::sni, args);
    std::optional<host::HookDecision> decided = std::move(progress.decision);
    if (!decided) {
      decided = co_await wait_for_deferral(host::DecidingHook::sni, args, std::move(progress));
    }
    const host::HookDecision& decision = *decided;
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
  // What a parent relayed from the origin behind its own 200 (a server that speaks
  // first) goes to the client once the tunnel is allowed.
  if (!upstream_buffer_.empty()) {
    count_bytes(PROXY_DIRECTION_UPSTREAM_TO_CLIENT, upstream_buffer_);
    if (!co_await write_client(upstream_buffer_)) {
      co_return;
    }
    std::string().swap(upstream_buffer_);
  }
  co_await relay_both_ways(std::move(peeked));
}

asio::awaitable<void> Session::relay_switched() {
  const ActiveTunnel active_tunnel(context_.registry.counters().tunnels_active);
  // The new protocol's first bytes may have come with the 101.
  if (!upstream_buffer_.empty()) {
    count_bytes(PROXY_DIRECTION_UPSTREAM_TO_CLIENT, upstream_buffer_);
    if (!co_await write_client(upstream_buffer_)) {
      co_return;
    }
    std::string().swap(upstream_buffer_);
  }
  std::string to_upstream = std::move(client_buffer_);
  client_buffer_.clear();
  co_await relay_both_ways(std::move(to_upstream));
}

asio::awaitable<void> Session::relay_both_ways(std::string to_upstream) {
  // Both directions share one idle deadline: bytes moving either way keep the tunnel.
  Deadline activity = Deadline::after(context_.config.timeouts.idle);
  if (!to_upstream.empty()) {
    count_bytes(PROXY_DIRECTION_CLIENT_TO_UPSTREAM, to_upstream);
    if (co_await upstream_->write(to_upstream, activity) != IoStatus::ok) {
      co_return;
    }
    std::string().swap(to_upstream);
    activity.extend(context_.config.timeouts.idle);
  }
  // One direction beside this one; whichever ends first half-closes its receiver and
  // the other goes on, until both are done or nothing moves for the idle time.
  SideTask upward(client_.socket().get_executor(), shared_from_this(), "client-to-upstream relay",
                  [this, &activity] {
                    return relay_stream(client_, *upstream_, PROXY_DIRECTION_CLIENT_TO_UPSTREAM,
                                        activity);
                  });
  co_await relay_stream(*upstream_, client_, PROXY_DIRECTION_UPSTREAM_TO_CLIENT, activity);
  co_await upward.join();
}

}  // namespace proxy::core
