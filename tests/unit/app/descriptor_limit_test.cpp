#include "app/descriptor_limit.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace {

using proxy::app::plan_descriptor_limit;
using proxy::app::reserved_descriptors;

TEST(DescriptorLimit, RaisesTheSoftLimitToWhatTheCapNeeds) {
  const auto fit = plan_descriptor_limit(10000, 1024, 1048576);
  EXPECT_EQ(fit.needed, 20000 + reserved_descriptors);
  EXPECT_EQ(fit.soft_limit, fit.needed);
  EXPECT_EQ(fit.max_connections, 10000U);
}

TEST(DescriptorLimit, NeverLowersAHigherSoftLimit) {
  const auto fit = plan_descriptor_limit(100, 65536, 65536);
  EXPECT_EQ(fit.soft_limit, 65536U);
  EXPECT_EQ(fit.max_connections, 100U);
}

TEST(DescriptorLimit, AHardLimitTooLowGivesTheCapThatFits) {
  const auto fit = plan_descriptor_limit(10000, 1024, 4096);
  EXPECT_EQ(fit.soft_limit, 4096U);
  EXPECT_EQ(fit.max_connections, (4096 - reserved_descriptors) / 2);
}

TEST(DescriptorLimit, HugeCapsDoNotOverflow) {
  const auto fit = plan_descriptor_limit(std::numeric_limits<std::size_t>::max(), 1024, 1 << 20);
  EXPECT_EQ(fit.needed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(fit.max_connections, ((1U << 20) - reserved_descriptors) / 2);
  EXPECT_EQ(plan_descriptor_limit(10, 64, 64).max_connections, 1U);
}

}  // namespace
