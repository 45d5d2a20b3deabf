#include "histogram_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace proxy::plugins::metrics {

HistogramBounds::HistogramBounds(std::vector<double> seconds) : seconds_(std::move(seconds)) {
  limits_us_.reserve(seconds_.size());
  for (const double bound : seconds_) {
    // 0.005 * 1e6 may come out as 4999.999...; the nudge keeps it at 5000 without
    // lifting a true fraction such as 1.5 past its floor.
    limits_us_.push_back(static_cast<std::uint64_t>(std::floor(bound * 1e6 + 1e-6)));
  }
}

std::size_t HistogramBounds::bucket_of(std::uint64_t duration_us) const {
  const auto it = std::lower_bound(limits_us_.begin(), limits_us_.end(), duration_us);
  return static_cast<std::size_t>(it - limits_us_.begin());
}

}  // namespace proxy::plugins::metrics
