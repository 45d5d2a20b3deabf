// The session's reads and writes, and the deadline that bounds them.
#include <algorithm>
#include <array>
#include <vector>

#include "connection/session.hpp"
#include "connection/session_support.hpp"

namespace proxy::core {

using session_support::Clock;
using session_support::no_deadline;

// Arming only records the time: the thread's SessionTracker compares it every tick, so a
// deadline costs no timer operation, however often it moves.
void Session::arm(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  deadline_at_ = Clock::now() + timeout;
}

void Session::disarm() {
  deadline_at_ = no_deadline;
}

void Session::check_deadline(Clock::time_point now) {
  if (deadline_at_ > now || closed_) {
    return;
  }
  timed_out_ = true;
  deadline_at_ = no_deadline;
  boost::system::error_code ec;
  client_.cancel(ec);
  if (upstream_) {
    upstream_->cancel(ec);
  }
}

asio::awaitable<bool> Session::read_more(tcp::socket& socket, std::string& buffer, ReadMode mode) {
  (void)mode;  // every read now waits first; kept for the callers' documentation
  // Waiting for readability first means an idle connection holds no read buffer; the
  // read itself goes into this thread's scratch buffer (no zero-filled resize, no
  // FIONREAD to size it), and only what came is appended.
  std::vector<char>& scratch = read_scratch(context_.config.limits.buffer_bytes);
  for (;;) {
    boost::system::error_code ec;
    co_await socket.async_wait(tcp::socket::wait_read,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return false;
    }
    // The socket is non-blocking (set once, when it was opened): this cannot block.
    const std::size_t n = socket.read_some(asio::buffer(scratch), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      continue;  // a spurious wake-up
    }
    if (ec || n == 0) {
      co_return false;
    }
    buffer.append(scratch.data(), n);
    co_return true;
  }
}

std::vector<char>& Session::read_scratch(std::size_t size) {
  // One per io thread: a read fills it and is copied out before the coroutine next
  // suspends, so sessions of the thread never see each other's bytes.
  thread_local std::vector<char> scratch;
  if (scratch.size() < size) {
    scratch.resize(size);
  }
  return scratch;
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

asio::awaitable<bool> Session::write_client(std::string_view bytes, std::string_view more) {
  arm(context_.config.timeouts.idle);
  boost::system::error_code ec;
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(bytes.data(), bytes.size()),
                                                     asio::buffer(more.data(), more.size())};
  co_await asio::async_write(client_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  disarm();
  co_return !ec;
}

}  // namespace proxy::core
