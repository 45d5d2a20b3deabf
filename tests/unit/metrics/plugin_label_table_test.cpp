#include "plugin_label_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace proxy::plugins::metrics {
namespace {

TEST(PluginLabelTable, GivesEachNameOneSlotInFirstSeenOrder) {
  PluginLabelTable table(4);
  EXPECT_EQ(table.size(), 0U);
  EXPECT_EQ(table.slot_of("core"), 0U);
  EXPECT_EQ(table.slot_of("access_policy"), 1U);
  EXPECT_EQ(table.slot_of("core"), 0U);
  EXPECT_EQ(table.size(), 2U);
  EXPECT_EQ(table.name(0), "core");
  EXPECT_EQ(table.name(1), "access_policy");
}

TEST(PluginLabelTable, NamesPastTheCapShareOther) {
  PluginLabelTable table(2);
  EXPECT_EQ(table.slot_of("a"), 0U);
  EXPECT_EQ(table.slot_of("b"), 1U);
  EXPECT_EQ(table.slot_of("c"), table.overflow_slot());
  EXPECT_EQ(table.slot_of("d"), table.overflow_slot());
  EXPECT_EQ(table.slot_of("a"), 0U);  // known names keep their slot
  EXPECT_EQ(table.size(), 2U);
  EXPECT_EQ(table.name(table.overflow_slot()), "other");
}

TEST(PluginLabelTable, LongNamesAndTheNameOtherUseTheOverflowSlot) {
  PluginLabelTable table(8);
  const std::string longest(PluginLabelTable::max_name_bytes, 'p');
  EXPECT_EQ(table.slot_of(longest), 0U);
  EXPECT_EQ(table.name(0), longest);
  EXPECT_EQ(table.slot_of(longest + "p"), table.overflow_slot());
  // A plugin called "other" would otherwise repeat the overflow series' label.
  EXPECT_EQ(table.slot_of("other"), table.overflow_slot());
  EXPECT_EQ(table.size(), 1U);
}

TEST(PluginLabelTable, ZeroCapacitySendsEverythingToOther) {
  PluginLabelTable table(0);
  EXPECT_EQ(table.slot_of("core"), table.overflow_slot());
  EXPECT_EQ(table.size(), 0U);
}

TEST(PluginLabelTable, ConcurrentFirstSightingsClaimOneSlotPerName) {
  constexpr int threads = 8;
  constexpr std::size_t names = 20;
  PluginLabelTable table(16);
  std::vector<std::vector<std::size_t>> seen(threads, std::vector<std::size_t>(names));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (std::size_t i = 0; i < names; ++i) {
          const std::size_t n = (i + static_cast<std::size_t>(t)) % names;
          seen[t][n] = table.slot_of("plugin_" + std::to_string(n));
        }
      }
    });
  }
  for (auto& thread : pool) {
    thread.join();
  }
  EXPECT_EQ(table.size(), 16U);
  std::set<std::size_t> named_slots;
  std::size_t overflowed = 0;
  for (std::size_t n = 0; n < names; ++n) {
    for (int t = 1; t < threads; ++t) {
      EXPECT_EQ(seen[t][n], seen[0][n]) << "threads disagree on plugin_" << n;
    }
    if (seen[0][n] == table.overflow_slot()) {
      ++overflowed;
    } else {
      EXPECT_EQ(table.name(seen[0][n]), "plugin_" + std::to_string(n));
      named_slots.insert(seen[0][n]);
    }
  }
  EXPECT_EQ(named_slots.size(), 16U);
  EXPECT_EQ(overflowed, names - 16);
}

}  // namespace
}  // namespace proxy::plugins::metrics
