#include "timestamp_ring.hpp"

#include <algorithm>

namespace proxy::plugins::rate_limiter {

void TimestampRing::push(Time time, std::size_t limit) {
  if (size_ == slots_.size()) {
    grow(limit);
  }
  slots_[index(size_)] = time.count();
  ++size_;
}

void TimestampRing::drop_through(Time cutoff) {
  while (size_ > 0 && slots_[head_] <= cutoff.count()) {
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }
  if (size_ == 0) {
    head_ = 0;
  }
}

void TimestampRing::grow(std::size_t limit) {
  // Doubling keeps pushes amortised O(1); the copy puts the oldest time first again.
  const std::size_t wanted = std::min(limit, std::max<std::size_t>(4, slots_.size() * 2));
  std::vector<std::int64_t> grown(std::max(wanted, size_ + 1));
  for (std::size_t i = 0; i < size_; ++i) {
    grown[i] = slots_[index(i)];
  }
  slots_ = std::move(grown);
  head_ = 0;
}

}  // namespace proxy::plugins::rate_limiter
