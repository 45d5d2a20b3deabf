#pragma once

#include <unordered_set>

namespace proxy::core {

class Session;

// The sessions of one io thread, so shutdown can reach the idle ones. Used only on
// that thread: no lock.
class SessionTracker {
 public:
  void add(Session* session) { sessions_.insert(session); }
  void remove(Session* session) { sessions_.erase(session); }
  // Tells every session that shutdown began.
  void stop_all();
  bool empty() const { return sessions_.empty(); }

 private:
  std::unordered_set<Session*> sessions_;
};

}  // namespace proxy::core
