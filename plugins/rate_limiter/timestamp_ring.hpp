#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace proxy::plugins::rate_limiter {

// The times of one client's admitted requests that are still inside the window, oldest
// first: the exact sliding log. Storage grows on demand up to the request limit, so a
// client that sent one request costs one slot (8 bytes), and the heaviest client costs
// `requests` slots.
//
// @par Thread Safety
// None: the owning shard's mutex guards it.
class TimestampRing {
 public:
  using Time = std::chrono::nanoseconds;  // since an arbitrary, monotonic epoch

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return slots_.size(); }
  Time oldest() const { return Time(slots_[head_]); }
  Time newest() const { return Time(slots_[index(size_ - 1)]); }

  // Appends `time`, growing the storage up to `limit` slots; the caller keeps the size
  // below `limit` (a full log refuses the request instead).
  void push(Time time, std::size_t limit);
  // Forgets every time at or before `cutoff`: they left the window.
  void drop_through(Time cutoff);

 private:
  std::size_t index(std::size_t offset) const { return (head_ + offset) % slots_.size(); }
  void grow(std::size_t limit);

  std::vector<std::int64_t> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace proxy::plugins::rate_limiter
