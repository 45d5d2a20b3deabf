#include "connection/session_tracker.hpp"

#include <vector>

#include "connection/session.hpp"

namespace proxy::core {

void SessionTracker::add(Session* session, const asio::any_io_executor& executor) {
  sessions_.insert(session);
  if (!timer_) {
    timer_.emplace(executor);
  }
  if (!ticking_) {
    schedule();
  }
}

void SessionTracker::schedule() {
  ticking_ = true;
  timer_->expires_after(tick);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    ticking_ = false;
    if (ec || sessions_.empty()) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    // check_deadline() only cancels sockets; nothing leaves the set while this runs.
    for (Session* session : sessions_) {
      session->check_deadline(now);
    }
    schedule();
  });
}

void SessionTracker::stop_all() {
  // on_stop() may close a session, which removes it from the set: iterate a copy.
  const std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
  for (Session* session : sessions) {
    session->on_stop();
  }
}

}  // namespace proxy::core
