#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asio.hpp"

namespace proxy::core {

using Clock = std::chrono::steady_clock;

// When an operation, or a run of operations that count as one activity, must be done.
// A tunnel's two directions share one: bytes moving either way keep both alive.
class Deadline {
 public:
  static Deadline after(std::chrono::milliseconds timeout) {
    return Deadline(Clock::now() + timeout);
  }
  static Deadline never() { return Deadline(Clock::time_point::max()); }

  void extend(std::chrono::milliseconds timeout) {
    if (!ended_) {
      at_ = Clock::now() + timeout;
    }
  }
  // Passed now, for good (extend() no longer moves it): what waits under it ends at the
  // next check, what starts under it ends at once. How a side task is stopped.
  void end() {
    ended_ = true;
    at_ = Clock::time_point::min();
  }
  Clock::time_point at() const { return at_; }

 private:
  explicit Deadline(Clock::time_point at) : at_(at) {}
  Clock::time_point at_;
  bool ended_ = false;
};

enum class IoStatus {
  ok,
  closed,     // the peer ended its side (a read met end of stream)
  timed_out,  // the operation's deadline passed first
  failed,     // an error, or the socket was cancelled or closed by the session
};

// A socket whose every read and write carries its own deadline, as Beast's tcp_stream
// does with expires_after; Boost 1.74 has that only for Beast's own stream type.
//
// A deadline is a time point the operation borrows, not a timer: the worker's
// SessionTracker calls check_deadline() every tick, and a pending operation whose
// deadline has passed is cancelled and reports IoStatus::timed_out. Moving a deadline
// costs nothing, and an idle connection holds no timer. One read and one write may be
// pending at once (full duplex); a timeout of either cancels both, and the other then
// reports `failed`.
//
// Reads wait for readability first and then read into the thread's scratch buffer:
// a quiet peer costs no buffer, and only what came is kept. The socket is made
// non-blocking once, here, so no operation needs FIONBIO again.
//
// One io thread (the socket's executor) uses it.
class TimedSocket {
 public:
  explicit TimedSocket(tcp::socket socket);

  tcp::socket& socket() { return socket_; }
  bool is_open() const { return socket_.is_open(); }
  int native_handle() { return socket_.native_handle(); }

  // Appends what one read brings to `buffer`, at most `max` bytes.
  asio::awaitable<IoStatus> read_some(std::string& buffer, std::size_t max,
                                      const Deadline& deadline);
  // Appends what is there now, at most `max` bytes, without waiting: `ok` also when
  // nothing was (for one who waited for readability itself).
  IoStatus read_now(std::string& buffer, std::size_t max);
  // Writes all of `bytes`, then `more` gathered behind it in the same write.
  asio::awaitable<IoStatus> write(std::string_view bytes, std::string_view more,
                                  const Deadline& deadline);
  asio::awaitable<IoStatus> write(std::string_view bytes, const Deadline& deadline) {
    return write(bytes, {}, deadline);
  }
  asio::awaitable<IoStatus> wait_readable(const Deadline& deadline);
  asio::awaitable<IoStatus> wait_writable(const Deadline& deadline);

  // The caller knows bytes are waiting (a wait for readability just ended): the next
  // read tries at once instead of waiting first.
  void note_readable() { maybe_readable_ = true; }

  // Past its deadline, a pending operation is cancelled and ends as timed out.
  void check_deadline(Clock::time_point now);
  // Ends every pending operation (they report `failed`).
  void cancel();
  void shutdown_send();
  void close();

 private:
  // What a pending operation is bound by. `expired` is set when its deadline cancelled it.
  struct Pending {
    const Deadline* deadline = nullptr;
    bool expired = false;
  };
  // Registers an operation on `slot` for its lifetime; ends it at once if already late.
  class Watch;

  static std::vector<char>& scratch(std::size_t size);
  // One non-blocking read into the thread's scratch, appended to `buffer` (`n` bytes);
  // nullopt when nothing was there.
  std::optional<IoStatus> try_read(std::string& buffer, std::size_t max, std::size_t& n);
  static IoStatus status_of(const boost::system::error_code& ec, const Pending& slot);

  tcp::socket socket_;
  Pending read_;
  Pending write_;
  // Read without waiting first: after note_readable(), or after a read that filled its
  // buffer (more is likely queued). Each wait costs an epoll_ctl, a read that finds
  // nothing only a recv.
  bool maybe_readable_ = false;
};

}  // namespace proxy::core
