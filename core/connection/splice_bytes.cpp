// Session::splice_bytes: moving bytes socket -> pipe -> socket inside the kernel.
#include <fcntl.h>

#include <algorithm>
#include <cerrno>

#include "connection/pipe_pool.hpp"
#include "connection/session.hpp"

namespace proxy::core {

asio::awaitable<Session::SpliceEnd> Session::splice_bytes(TimedSocket& from, TimedSocket& to,
                                                          proxy_direction direction,
                                                          std::uint64_t limit, Deadline& activity) {
  PipePool& pool = PipePool::for_this_thread();
  // Both sockets are non-blocking since they were opened.
  std::uint64_t& moved = direction == PROXY_DIRECTION_CLIENT_TO_UPSTREAM
                             ? transaction_->bytes_client_to_upstream
                             : transaction_->bytes_upstream_to_client;
  const int in = from.native_handle();
  const int out = to.native_handle();
  SplicePipe pipe;
  std::size_t queued = 0;  // bytes in the pipe, not yet written on
  struct GiveBack {
    PipePool& pool;
    SplicePipe& pipe;
    const std::size_t& queued;
    ~GiveBack() {
      if (queued == 0) {
        pool.release(pipe);
      } else {
        PipePool::discard(pipe);  // bytes nobody will take
      }
    }
  } give_back{pool, pipe, queued};

  const auto idle = context_.config.timeouts.idle;  // nothing moving that long ends it
  std::uint64_t left = limit;
  while (left > 0) {
    if (!pipe.valid()) {
      // Quiet: wait without a pipe, so an idle tunnel holds none.
      if (co_await from.wait_readable(activity) != IoStatus::ok) {
        co_return SpliceEnd::source_failed;
      }
      pipe = pool.acquire(context_.config.limits.buffer_bytes);
      if (!pipe.valid()) {
        co_return SpliceEnd::no_pipe;
      }
    }
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, pipe.capacity));
    const ssize_t n =
        ::splice(in, nullptr, pipe.write_end, nullptr, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n == 0) {
      co_return SpliceEnd::source_ended;
    }
    if (n < 0) {
      if (errno != EAGAIN) {
        co_return SpliceEnd::source_failed;
      }
      pool.release(pipe);  // empty: drained below before every read
      pipe = {};
      continue;
    }
    queued = static_cast<std::size_t>(n);
    moved += queued;
    left -= queued;
    activity.extend(idle);
    while (queued > 0) {
      const ssize_t m =
          ::splice(pipe.read_end, nullptr, out, nullptr, queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (m > 0) {
        queued -= static_cast<std::size_t>(m);
        activity.extend(idle);
      } else if (m < 0 && errno == EAGAIN) {
        if (co_await to.wait_writable(activity) != IoStatus::ok) {
          co_return SpliceEnd::sink_failed;
        }
      } else {
        co_return SpliceEnd::sink_failed;  // the receiver is gone
      }
    }
  }
  co_return SpliceEnd::limit_reached;
}

}  // namespace proxy::core
