#include "carried_counters.hpp"

#include <gtest/gtest.h>

namespace proxy::plugins::metrics {
namespace {

TEST(CarriedCounters, ALiveInstanceWithTheSameBoundsSharesItsCounters) {
  const auto old_generation = carried_counters("metrics", {0.1, 1}, {10});
  const auto new_generation = carried_counters("metrics", {0.1, 1}, {10});
  EXPECT_EQ(old_generation, new_generation);
  EXPECT_NE(carried_counters("metrics_b", {0.1, 1}, {10}), old_generation);
}

TEST(CarriedCounters, NewBoundsStartAgain) {
  const auto old_generation = carried_counters("metrics", {0.1, 1}, {10});
  const auto new_generation = carried_counters("metrics", {0.1, 2}, {10});
  EXPECT_NE(old_generation, new_generation);
  EXPECT_EQ(new_generation->request_bounds().size(), 2U);
  // Later instances continue the newest ones.
  EXPECT_EQ(carried_counters("metrics", {0.1, 2}, {10}), new_generation);
}

TEST(CarriedCounters, WhatTheOldInstanceCountsShowsInTheNewOnesScrape) {
  const auto old_generation = carried_counters("metrics_shared", {1}, {1});
  const auto new_generation = carried_counters("metrics_shared", {1}, {1});
  TransactionRecord record;
  record.method = "GET";
  record.status = 200;
  old_generation->record(record);  // a connection of the old generation ending
  new_generation->record(record);
  EXPECT_EQ(new_generation->snapshot().responses[code_slot(200)], 2U);
}

TEST(CarriedCounters, NothingIsCarriedOnceTheLastInstanceWent) {
  {
    const auto only = carried_counters("metrics_gone", {1}, {1});
    TransactionRecord record;
    record.status = 200;
    only->record(record);
  }
  EXPECT_EQ(carried_counters("metrics_gone", {1}, {1})->snapshot().responses[code_slot(200)], 0U);
}

}  // namespace
}  // namespace proxy::plugins::metrics
