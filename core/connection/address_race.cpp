#include "connection/address_race.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>

namespace proxy::core {
namespace {

using Clock = std::chrono::steady_clock;

// What the attempts' handlers and the coroutine share. The handlers may run after the
// coroutine returned (a closed loser completes with operation_aborted), so they hold it.
struct Race {
  Race(const asio::any_io_executor& executor, std::vector<tcp::endpoint> candidates)
      : executor(executor), candidates(std::move(candidates)), wake(executor) {}

  // Dials the next candidate; its handler records the outcome and wakes the coroutine.
  static void start_next(const std::shared_ptr<Race>& race) {
    const std::size_t index = race->started++;
    race->sockets.push_back(std::make_unique<tcp::socket>(race->executor));
    ++race->in_flight;
    race->failed_since_start = false;
    race->sockets.back()->async_connect(race->candidates[index],
                                        [race, index](const boost::system::error_code& ec) {
                                          --race->in_flight;
                                          if (race->finished) {
                                            return;
                                          }
                                          if (!ec && !race->winner) {
                                            race->winner = index;
                                          } else if (ec) {
                                            race->error = ec;
                                            race->failed_since_start = true;
                                          }
                                          race->wake.cancel();
                                        });
  }

  // Every socket but the winner's.
  void close_others() {
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      if (!winner || i != *winner) {
        boost::system::error_code ignored;
        sockets[i]->close(ignored);
      }
    }
  }

  asio::any_io_executor executor;
  const std::vector<tcp::endpoint> candidates;
  std::vector<std::unique_ptr<tcp::socket>> sockets;  // one per started attempt
  asio::steady_timer wake;  // the coroutine sleeps on it; a finished attempt cancels it
  std::size_t started = 0;
  std::size_t in_flight = 0;
  bool failed_since_start = false;  // an attempt failed after the latest one started
  bool finished = false;
  std::optional<std::size_t> winner;
  boost::system::error_code error = asio::error::host_unreachable;
};

}  // namespace

asio::awaitable<RaceOutcome> race_connect(std::vector<tcp::endpoint> candidates,
                                          std::chrono::milliseconds stagger,
                                          Clock::time_point deadline) {
  RaceOutcome outcome;
  if (candidates.empty()) {
    outcome.error = asio::error::host_not_found;
    co_return outcome;
  }
  const auto race =
      std::make_shared<Race>(co_await asio::this_coro::executor, std::move(candidates));
  Clock::time_point next_start = Clock::now();
  // Each turn: one attempt may start, or the coroutine sleeps until the next start, the
  // deadline, or an attempt's end, whichever is first. Handlers run only while it sleeps
  // (one io thread), so the state it reads after waking is complete.
  while (!race->winner) {
    const bool more = race->started < race->candidates.size();
    if (!more && race->in_flight == 0) {
      break;  // every address failed
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      outcome.timed_out = true;
      break;
    }
    if (more && (now >= next_start || race->failed_since_start || race->in_flight == 0)) {
      Race::start_next(race);
      next_start = now + stagger;
      continue;
    }
    race->wake.expires_at(more ? std::min(next_start, deadline) : deadline);
    boost::system::error_code woken;  // operation_aborted: an attempt ended
    co_await race->wake.async_wait(asio::redirect_error(asio::use_awaitable, woken));
  }
  race->finished = true;
  race->close_others();
  if (race->winner) {
    outcome.socket.emplace(std::move(*race->sockets[*race->winner]));
  } else {
    outcome.error = race->error;
  }
  co_return outcome;
}

}  // namespace proxy::core
