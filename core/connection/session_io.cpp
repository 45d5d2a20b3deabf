// The session's head reads and client writes, and the deadlines that bound them.
#include "connection/session.hpp"

namespace proxy::core {

void Session::check_deadline(Clock::time_point now) {
  if (closed_) {
    return;
  }
  if (parked_ && parked_until_ <= now) {
    client_.cancel();  // the parked wait ends, and with it the connection
  }
  client_.check_deadline(now);
  if (upstream_) {
    upstream_->check_deadline(now);
  }
}

asio::awaitable<Session::HeadResult> Session::read_head(
    TimedSocket& socket, std::string& buffer, HttpMessageParser& parser, ParsedHead& head,
    Deadline& deadline, std::optional<std::chrono::milliseconds> from_first_byte) {
  bool started = !from_first_byte;
  for (;;) {
    if (!buffer.empty()) {
      if (!started) {
        deadline = Deadline::after(*from_first_byte);
        started = true;
      }
      std::size_t consumed = 0;
      const ParseResult result = parser.parse_head(buffer, consumed, head);
      if (result == ParseResult::done) {
        buffer.erase(0, consumed);
        co_return HeadResult::ok;
      }
      if (result == ParseResult::error) {
        co_return HeadResult::failed;
      }
    }
    const IoStatus read =
        co_await socket.read_some(buffer, context_.config.limits.buffer_bytes, deadline);
    if (read != IoStatus::ok) {
      co_return read == IoStatus::timed_out ? HeadResult::timed_out : HeadResult::closed;
    }
  }
}

asio::awaitable<bool> Session::write_client(std::string_view bytes, std::string_view more) {
  const Deadline deadline = Deadline::after(context_.config.timeouts.idle);
  co_return co_await client_.write(bytes, more, deadline) == IoStatus::ok;
}

}  // namespace proxy::core
