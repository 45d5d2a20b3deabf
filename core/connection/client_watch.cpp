// Session::ClientWatch: noticing a client that leaves while the session waits elsewhere.
#include "connection/session.hpp"

namespace proxy::core {

Session::ClientWatch::ClientWatch(Session& session, bool eof_is_gone, std::function<void()> on_gone)
    : session_(session), state_(std::make_shared<State>()) {
  state_->eof_is_gone = eof_is_gone;
  state_->on_gone = std::move(on_gone);
  auto self = session.shared_from_this();
  asio::co_spawn(
      session.client_.socket().get_executor(),
      [self, state = state_] { return self->watch_client(state); }, asio::detached);
}

Session::ClientWatch::~ClientWatch() {
  state_->stopped = true;
  state_->on_gone = nullptr;
  // The session has no other operation on the client socket while a watch is up, so
  // this cancels only the watch's wait; its coroutine then ends without touching anything.
  session_.client_.cancel();
}

asio::awaitable<void> Session::watch_client(std::shared_ptr<ClientWatch::State> state) {
  auto self = shared_from_this();
  const std::size_t limit = context_.config.limits.buffer_bytes;
  auto gone = [&] {
    client_gone_ = true;
    if (state->on_gone) {
      state->on_gone();
    }
  };
  for (;;) {
    // Not a TimedSocket wait: the waiting operation elsewhere holds the deadline.
    boost::system::error_code ec;
    co_await client_.socket().async_wait(tcp::socket::wait_read,
                                         asio::redirect_error(asio::use_awaitable, ec));
    // A watch that ended (its destructor cancelled this wait, or it ended before the
    // wait began) must not take bytes: the session reads the client again by now.
    if (state->stopped || closed_) {
      co_return;
    }
    if (ec) {
      gone();
      co_return;
    }
    if (client_buffer_.size() >= limit) {
      co_return;  // nothing more fits: the wait's own deadline bounds it from here
    }
    const IoStatus read = client_.read_now(client_buffer_, limit - client_buffer_.size());
    if (read == IoStatus::ok) {
      continue;
    }
    if (read == IoStatus::closed && !state->eof_is_gone) {
      co_return;
    }
    gone();
    co_return;
  }
}

}  // namespace proxy::core
