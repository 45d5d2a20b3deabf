#include "histogram_bounds.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::metrics {
namespace {

TEST(HistogramBounds, ADurationOnABoundBelongsToThatBucket) {
  const HistogramBounds bounds({0.005, 0.01, 1});
  EXPECT_EQ(bounds.size(), 3U);
  EXPECT_EQ(bounds.bucket_of(0), 0U);
  EXPECT_EQ(bounds.bucket_of(5000), 0U);  // le="0.005" includes 0.005 s
  EXPECT_EQ(bounds.bucket_of(5001), 1U);
  EXPECT_EQ(bounds.bucket_of(10000), 1U);
  EXPECT_EQ(bounds.bucket_of(10001), 2U);
  EXPECT_EQ(bounds.bucket_of(1000000), 2U);
  EXPECT_EQ(bounds.bucket_of(1000001), 3U);  // +Inf only
  EXPECT_EQ(bounds.bucket_of(UINT64_MAX), 3U);
}

TEST(HistogramBounds, BoundsThatAreNotWholeMicrosecondsRoundDown) {
  // 1.5 us: a whole-microsecond duration is within it only up to 1 us.
  const HistogramBounds bounds({0.0000015, 0.1, 0.3, 0.7});
  EXPECT_EQ(bounds.bucket_of(1), 0U);
  EXPECT_EQ(bounds.bucket_of(2), 1U);
  // Decimal fractions that binary floating point cannot hold exactly stay exact.
  EXPECT_EQ(bounds.bucket_of(100000), 1U);
  EXPECT_EQ(bounds.bucket_of(300000), 2U);
  EXPECT_EQ(bounds.bucket_of(700000), 3U);
  EXPECT_EQ(bounds.bucket_of(700001), 4U);
}

TEST(HistogramBounds, KeepsTheConfiguredSeconds) {
  const HistogramBounds bounds({0.25, 3600});
  EXPECT_EQ(bounds.bound_seconds(0), 0.25);
  EXPECT_EQ(bounds.bound_seconds(1), 3600);
}

}  // namespace
}  // namespace proxy::plugins::metrics
