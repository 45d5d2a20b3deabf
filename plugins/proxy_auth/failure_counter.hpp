#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace proxy::plugins::proxy_auth {

// Failed credential checks per client, so that one client cannot make the proxy run
// password hashes without end (each costs a verification thread tens of milliseconds).
//
// A fixed window per client: it opens at the client's first counted attempt and lasts
// `window` (a minute); in it at most `max_failures` attempts are counted, then the client
// is refused until the window closes. Fixed rather than sliding because the refusal is
// then simple to state and to retry after (Retry-After: the rest of the window), and
// precision does not matter for a brake on guessing.
//
// An attempt is counted *before* its hash runs (charge()), so checks still in flight
// count too and a client opening many connections at once gets no more hashes; a check
// that then matches is given back (refund()). Requests without credentials are never
// counted (a browser's first request has none).
//
// At most `max_clients` are tracked; a new one beyond it drops the least recently seen.
// max_failures 0 turns counting off.
//
// @par Thread Safety
// Every member may be called from any thread (one mutex).
class FailureCounter {
 public:
  using Clock = std::chrono::steady_clock;

  FailureCounter(std::uint32_t max_failures, std::chrono::milliseconds window,
                 std::size_t max_clients);

  // Zero when `client` may try now; otherwise how long until it may (at least 1 ms).
  std::chrono::milliseconds blocked_for(std::string_view client, Clock::time_point now);
  // Counts one attempt. False (nothing counted) when the client is already at the limit.
  bool charge(std::string_view client, Clock::time_point now);
  // Gives back one attempt charged in the client's current window (its check matched).
  void refund(std::string_view client);

  std::size_t tracked_clients() const;
  bool enabled() const { return max_failures_ > 0; }
  std::uint32_t max_failures() const { return max_failures_; }

 private:
  struct Client {
    std::string key;
    Clock::time_point window_end;
    std::uint32_t failures = 0;
  };
  using Recency = std::list<Client>;  // front: most recently seen

  // The client's entry when it has an open window, else nullptr (a closed one is dropped).
  Client* current(std::string_view client, Clock::time_point now);

  const std::uint32_t max_failures_;
  const std::chrono::milliseconds window_;
  const std::size_t max_clients_;
  mutable std::mutex mutex_;
  Recency recency_;
  // Keys view the strings in `recency_`, whose nodes never move.
  std::unordered_map<std::string_view, Recency::iterator> index_;
};

}  // namespace proxy::plugins::proxy_auth
