#pragma once

#include <chrono>
#include <optional>
#include <unordered_set>

#include "asio.hpp"

namespace proxy::core {

class Session;

// The sessions of one io thread: so shutdown can reach the idle ones, and so one timer
// per thread enforces every session's deadline. Every `tick` it asks each session to
// check its deadline, which costs a comparison per session; a session therefore needs
// no timer or watchdog of its own, and an idle connection holds neither. Deadlines are
// enforced within one tick of passing. The timer runs only while there are sessions.
//
// Used only on that thread: no lock.
class SessionTracker {
 public:
  static constexpr std::chrono::milliseconds tick{50};

  void add(Session* session, const asio::any_io_executor& executor);
  void remove(Session* session) { sessions_.erase(session); }
  // Tells every session that shutdown began.
  void stop_all();
  bool empty() const { return sessions_.empty(); }
  // Drops the timer; call once the thread's io_context no longer runs, before it goes.
  void release_timer() { timer_.reset(); }

 private:
  void schedule();

  std::unordered_set<Session*> sessions_;
  std::optional<asio::steady_timer> timer_;
  bool ticking_ = false;
};

}  // namespace proxy::core
