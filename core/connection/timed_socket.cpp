#include "connection/timed_socket.hpp"

#include <array>
#include <optional>
#include <vector>

namespace proxy::core {

class TimedSocket::Watch {
 public:
  Watch(Pending& slot, const Deadline& deadline) : slot_(slot) {
    slot_.deadline = &deadline;
    slot_.expired = false;
  }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch() { slot_.deadline = nullptr; }

 private:
  Pending& slot_;
};

TimedSocket::TimedSocket(tcp::socket socket) : socket_(std::move(socket)) {
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
}

std::vector<char>& TimedSocket::scratch(std::size_t size) {
  // One per io thread: a read fills it and is copied out before the coroutine next
  // suspends, so the sockets of the thread never see each other's bytes.
  thread_local std::vector<char> bytes;
  if (bytes.size() < size) {
    bytes.resize(size);
  }
  return bytes;
}

IoStatus TimedSocket::status_of(const boost::system::error_code& ec, const Pending& slot) {
  if (!ec) {
    return IoStatus::ok;
  }
  return ec == asio::error::operation_aborted && slot.expired ? IoStatus::timed_out
                                                              : IoStatus::failed;
}

asio::awaitable<IoStatus> TimedSocket::read_some(std::string& buffer, std::size_t max,
                                                 const Deadline& deadline) {
  if (deadline.at() <= Clock::now()) {
    co_return IoStatus::timed_out;
  }
  const Watch watch(read_, deadline);
  bool wait_first = !maybe_readable_;
  maybe_readable_ = false;
  for (;;) {
    boost::system::error_code ec;
    if (wait_first) {
      co_await socket_.async_wait(tcp::socket::wait_read,
                                  asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return status_of(ec, read_);
      }
    }
    wait_first = true;
    std::size_t n = 0;
    if (const auto status = try_read(buffer, max, n)) {
      maybe_readable_ = n == max;
      co_return *status;
    }
    // Nothing there: a spurious wake-up, wait again.
  }
}

IoStatus TimedSocket::read_now(std::string& buffer, std::size_t max) {
  std::size_t n = 0;
  return try_read(buffer, max, n).value_or(IoStatus::ok);
}

std::optional<IoStatus> TimedSocket::try_read(std::string& buffer, std::size_t max,
                                              std::size_t& n) {
  std::vector<char>& bytes = scratch(max);
  boost::system::error_code ec;
  n = socket_.read_some(asio::buffer(bytes.data(), max), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    return std::nullopt;
  }
  if (ec == asio::error::eof) {
    return IoStatus::closed;
  }
  if (ec) {
    return IoStatus::failed;
  }
  buffer.append(bytes.data(), n);
  return IoStatus::ok;
}

asio::awaitable<IoStatus> TimedSocket::write(std::string_view bytes, std::string_view more,
                                             const Deadline& deadline) {
  if (deadline.at() <= Clock::now()) {
    co_return IoStatus::timed_out;
  }
  const Watch watch(write_, deadline);
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(bytes.data(), bytes.size()),
                                                     asio::buffer(more.data(), more.size())};
  boost::system::error_code ec;
  co_await asio::async_write(socket_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  co_return status_of(ec, write_);
}

asio::awaitable<IoStatus> TimedSocket::wait_readable(const Deadline& deadline) {
  if (deadline.at() <= Clock::now()) {
    co_return IoStatus::timed_out;
  }
  const Watch watch(read_, deadline);
  boost::system::error_code ec;
  co_await socket_.async_wait(tcp::socket::wait_read,
                              asio::redirect_error(asio::use_awaitable, ec));
  co_return status_of(ec, read_);
}

asio::awaitable<IoStatus> TimedSocket::wait_writable(const Deadline& deadline) {
  if (deadline.at() <= Clock::now()) {
    co_return IoStatus::timed_out;
  }
  const Watch watch(write_, deadline);
  boost::system::error_code ec;
  co_await socket_.async_wait(tcp::socket::wait_write,
                              asio::redirect_error(asio::use_awaitable, ec));
  co_return status_of(ec, write_);
}

void TimedSocket::check_deadline(Clock::time_point now) {
  bool late = false;
  for (Pending* slot : {&read_, &write_}) {
    if (slot->deadline != nullptr && !slot->expired && slot->deadline->at() <= now) {
      slot->expired = true;
      late = true;
    }
  }
  if (late) {
    cancel();
  }
}

void TimedSocket::cancel() {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void TimedSocket::shutdown_send() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
}

void TimedSocket::close() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace proxy::core
