#include "connection/session_tracker.hpp"

#include <vector>

#include "connection/session.hpp"

namespace proxy::core {

void SessionTracker::stop_all() {
  // on_stop() may close a session, which removes it from the set: iterate a copy.
  const std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
  for (Session* session : sessions) {
    session->on_stop();
  }
}

}  // namespace proxy::core
