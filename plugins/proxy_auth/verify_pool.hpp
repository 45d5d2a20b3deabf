#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "password_check.hpp"

namespace proxy::plugins::proxy_auth {

enum class VerifyOutcome {
  match,
  mismatch,
  error,      // libcrypt could not use the hash
  cancelled,  // the pool stopped before the check ran
};

// Called once per accepted job, on a pool thread (or the destroying thread, with
// `cancelled`). Must not block for long: the next check waits for it.
using VerifyDone = std::function<void(VerifyOutcome)>;

// How a job is checked; check_password by default, a stand-in in tests.
using CheckFn = std::function<CheckResult(std::string_view, const std::string&, CryptScratch&)>;

// A few threads of its own that run password checks, so that a bcrypt check (tens of
// milliseconds) never runs on an io thread. Each thread owns its CryptScratch. The queue
// is bounded: when `max_queued` jobs wait, submit() refuses at once and the caller fails
// closed (the client is told the proxy is busy) instead of piling up waits beyond the
// host's hook timeout.
//
// @par Thread Safety
// submit() from any thread. The destructor stops the threads: the job being checked on
// each finishes, queued ones get `cancelled`; no callback runs after it returns.
class VerifyPool {
 public:
  VerifyPool(std::size_t threads, std::size_t max_queued, CheckFn check = check_password);
  ~VerifyPool();
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  // Queues a check of `password` against `hash`; `done` then gets its outcome. Returns
  // false, without calling `done`, when the queue is full or the pool is stopping. The
  // password is wiped from memory after the check (or at once when refused).
  bool submit(std::string password, std::string hash, VerifyDone done);

  std::size_t queued() const;
  std::size_t max_queued() const { return max_queued_; }
  std::size_t threads() const { return threads_.size(); }

 private:
  struct Job {
    std::string password;
    std::string hash;
    VerifyDone done;
  };

  void run();

  const std::size_t max_queued_;
  const CheckFn check_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace proxy::plugins::proxy_auth
