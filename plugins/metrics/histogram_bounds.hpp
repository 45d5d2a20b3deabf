#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace proxy::plugins::metrics {

// The bucket bounds of a duration histogram. Durations arrive as whole microseconds,
// so each bound in seconds becomes the largest whole number of microseconds not above
// it: a duration falls in the first bucket whose bound it does not exceed, exactly as
// Prometheus' `le` means, with no floating-point comparison on the data path.
//
// @par Thread Safety
// Immutable after construction.
class HistogramBounds {
 public:
  // `seconds`: positive and strictly increasing (validated with the settings).
  explicit HistogramBounds(std::vector<double> seconds);

  // Finite buckets; one more, +Inf, follows them.
  std::size_t size() const { return seconds_.size(); }
  double bound_seconds(std::size_t bucket) const { return seconds_[bucket]; }
  // The bucket a duration falls in: size() when it exceeds every bound (+Inf only).
  std::size_t bucket_of(std::uint64_t duration_us) const;

 private:
  std::vector<double> seconds_;
  std::vector<std::uint64_t> limits_us_;
};

}  // namespace proxy::plugins::metrics
