// Session::ClientWatch: noticing a client that leaves while the session waits elsewhere.
#include <algorithm>
#include <vector>

#include "connection/session.hpp"

namespace proxy::core {

Session::ClientWatch::ClientWatch(Session& session, bool eof_is_gone, std::function<void()> on_gone)
    : session_(session), state_(std::make_shared<State>()) {
  state_->eof_is_gone = eof_is_gone;
  state_->on_gone = std::move(on_gone);
  auto self = session.shared_from_this();
  asio::co_spawn(
      session.client_.get_executor(), [self, state = state_] { return self->watch_client(state); },
      asio::detached);
}

Session::ClientWatch::~ClientWatch() {
  state_->stopped = true;
  state_->on_gone = nullptr;
  // The session has no other operation on the client socket while a watch is up, so
  // this cancels only the watch's wait; its coroutine then ends without touching anything.
  boost::system::error_code ignored;
  session_.client_.cancel(ignored);
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
    boost::system::error_code ec;
    co_await client_.async_wait(tcp::socket::wait_read,
                                asio::redirect_error(asio::use_awaitable, ec));
    if (state->stopped || closed_ || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      gone();
      co_return;
    }
    if (client_buffer_.size() >= limit) {
      co_return;  // nothing more fits: the wait's own deadline bounds it from here
    }
    // Readable, and the socket is non-blocking: this does not block.
    std::vector<char>& scratch = read_scratch(limit - client_buffer_.size());
    const std::size_t n = client_.read_some(
        asio::buffer(scratch.data(), std::min(scratch.size(), limit - client_buffer_.size())), ec);
    client_buffer_.append(scratch.data(), n);
    if (ec == asio::error::would_block) {
      continue;
    }
    if (ec == asio::error::eof) {
      if (state->eof_is_gone) {
        gone();
      }
      co_return;
    }
    if (ec) {
      gone();
      co_return;
    }
  }
}

}  // namespace proxy::core
