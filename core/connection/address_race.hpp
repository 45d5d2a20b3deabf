#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "asio.hpp"

namespace proxy::core {

struct RaceOutcome {
  std::optional<tcp::socket> socket;  // the first connection made; the others are closed
  bool timed_out = false;             // the deadline came first
  boost::system::error_code error;    // else why the last attempt failed
};

// Connects to the first of `candidates` that answers, RFC 8305 style: the first attempt
// starts at once, each next one `stagger` after the one before or as soon as an attempt
// fails, whichever is first, with the earlier ones left running; the first to connect
// wins. Everything ends at `deadline`. `candidates` come in the order to try (families
// already interleaved) and were each judged by the destination policy.
//
// @par Thread Safety
// Runs on one io thread; the attempts' handlers run on the same executor.
asio::awaitable<RaceOutcome> race_connect(std::vector<tcp::endpoint> candidates,
                                          std::chrono::milliseconds stagger,
                                          std::chrono::steady_clock::time_point deadline);

}  // namespace proxy::core
