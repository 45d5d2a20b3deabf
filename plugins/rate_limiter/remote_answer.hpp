#pragma once

#include <chrono>

namespace proxy::plugins::rate_limiter {

// What became of one question to the Redis backend.
enum class RemoteVerdict {
  allowed,      // Redis admitted (and counted) the request
  limited,      // Redis refused it: over the limit
  timeout,      // no answer within redis.timeout_ms
  unavailable,  // no connection to Redis was ready, or it was lost before the answer
  error_reply,  // Redis answered with an error, or with something the script never returns
  overloaded,   // redis.max_in_flight decisions were already waiting: not asked
};

struct RemoteAnswer {
  RemoteVerdict verdict = RemoteVerdict::unavailable;
  // When limited: how long until a request of this key is admitted again.
  std::chrono::milliseconds retry_after{0};
  // When Redis answered (allowed, limited, error_reply): from the question to the answer.
  std::chrono::microseconds waited{0};
};

// Receives the answer to one question, exactly once.
//
// @par Thread Safety
// answer() runs on the backend's own thread, or on the asking thread when the question
// could not be sent at all; it must not block.
class AnswerSink {
 public:
  virtual ~AnswerSink() = default;
  virtual void answer(const RemoteAnswer& answer) = 0;
};

}  // namespace proxy::plugins::rate_limiter
