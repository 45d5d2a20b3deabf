#include "worker_buffer.hpp"

#include <deque>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace proxy::plugins::json_log {
namespace {

bool append(WorkerBuffer& buffer, std::uint64_t sequence, const std::string& line) {
  return buffer.append(sequence, [&](std::string& text) { text += line; });
}

std::string taken_text(const TakenLines& taken) {
  return taken.text.substr(taken.begin_byte, taken.end_byte - taken.begin_byte);
}

TEST(WorkerBuffer, TakesWholeLinesInOrder) {
  WorkerBuffer buffer(8);
  append(buffer, 0, "a");
  append(buffer, 1, "bb");
  EXPECT_EQ(buffer.lines(), 2U);
  TakenLines taken;
  buffer.take_before(100, taken);
  EXPECT_EQ(taken_text(taken), "a\nbb\n");
  EXPECT_EQ(taken.end - taken.first, 2U);
  EXPECT_TRUE(buffer.empty());
}

TEST(WorkerBuffer, LinesFromTheCutoffOnStay) {
  WorkerBuffer buffer(8);
  for (std::uint64_t i = 0; i < 5; ++i) {
    append(buffer, 10 + i, "line " + std::to_string(i));
  }
  TakenLines taken;
  buffer.take_before(13, taken);
  EXPECT_EQ(taken_text(taken), "line 0\nline 1\nline 2\n");
  EXPECT_EQ(buffer.lines(), 2U);
  taken.clear();
  buffer.take_before(15, taken);
  EXPECT_EQ(taken_text(taken), "line 3\nline 4\n");
  EXPECT_TRUE(buffer.empty());
}

TEST(WorkerBuffer, NothingBelowTheCutoffTakesNothing) {
  WorkerBuffer buffer(8);
  append(buffer, 7, "late");
  TakenLines taken;
  buffer.take_before(7, taken);
  EXPECT_TRUE(taken.empty());
  EXPECT_EQ(buffer.lines(), 1U);
}

TEST(WorkerBuffer, AFullBufferDropsTheOldest) {
  WorkerBuffer buffer(3);
  for (std::uint64_t i = 0; i < 10; ++i) {
    append(buffer, i, "n" + std::to_string(i));
  }
  EXPECT_EQ(buffer.lines(), 3U);
  EXPECT_EQ(buffer.dropped(), 7U);
  TakenLines taken;
  buffer.take_before(100, taken);
  EXPECT_EQ(taken_text(taken), "n7\nn8\nn9\n");
}

TEST(WorkerBuffer, DroppingForeverKeepsMemoryBounded) {
  WorkerBuffer buffer(4);
  const std::string line(100, 'x');
  std::size_t largest = 0;
  TakenLines taken;
  for (std::uint64_t i = 0; i < 100'000; ++i) {
    append(buffer, i, line);
    if (i % 1000 == 999) {
      // Look at the storage through a take: everything it holds moves to `taken`.
      buffer.take_before(i + 1, taken);
      largest = std::max(largest, taken.text.size());
      taken.clear();
    }
  }
  EXPECT_LE(largest, 8U * 101U);  // live lines plus as many dropped ones, at most
  EXPECT_EQ(buffer.dropped(), 100'000U - 100U * 4U);
}

TEST(WorkerBuffer, SignalsHalfFullOncePerFilling) {
  WorkerBuffer buffer(4);
  EXPECT_FALSE(append(buffer, 0, "a"));
  EXPECT_TRUE(append(buffer, 1, "b"));  // two of four
  EXPECT_FALSE(append(buffer, 2, "c"));
  EXPECT_FALSE(append(buffer, 3, "d"));
  for (std::uint64_t i = 4; i < 20; ++i) {
    EXPECT_FALSE(append(buffer, i, "full")) << i;  // stays full: no more calls
  }
  TakenLines taken;
  buffer.take_before(100, taken);
  EXPECT_FALSE(append(buffer, 20, "a"));
  EXPECT_TRUE(append(buffer, 21, "b"));
}

TEST(WorkerBuffer, AQueueOfOneSignalsEveryFilling) {
  WorkerBuffer buffer(1);
  EXPECT_TRUE(append(buffer, 0, "a"));
  EXPECT_FALSE(append(buffer, 1, "b"));  // replaced the first: still full
  EXPECT_EQ(buffer.dropped(), 1U);
}

TEST(WorkerBuffer, TheBuffersTradeStorage) {
  WorkerBuffer buffer(1000);
  TakenLines taken;
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t i = 0; i < 500; ++i) {
      append(buffer, i, std::string(50, 'z'));
    }
    buffer.take_before(1000, taken);
    EXPECT_EQ(taken.end - taken.first, 500U);
    taken.clear();
    EXPECT_GE(taken.text.capacity(), 500U * 51U);  // kept for the next swap
  }
}

// Against a model (a deque of the newest `capacity` lines): random appends of random
// lengths, and takes with a cutoff at or a little behind the newest line.
TEST(WorkerBuffer, BehavesLikeABoundedQueueOfLines) {
  std::mt19937 random(42);
  for (const std::size_t capacity : {1U, 2U, 3U, 8U, 17U}) {
    WorkerBuffer buffer(capacity);
    std::deque<std::pair<std::uint64_t, std::string>> model;
    std::uint64_t sequence = 0;
    std::uint64_t dropped = 0;
    TakenLines taken;
    for (int step = 0; step < 50'000; ++step) {
      if (random() % 10 != 0) {
        const std::string line = "L" + std::to_string(sequence) + std::string(random() % 40, 'x');
        append(buffer, sequence, line);
        model.emplace_back(sequence++, line + "\n");
        if (model.size() > capacity) {
          model.pop_front();
          ++dropped;
        }
        continue;
      }
      const std::uint64_t cutoff = sequence - std::min<std::uint64_t>(sequence, random() % 3);
      taken.clear();
      buffer.take_before(cutoff, taken);
      std::string expected;
      while (!model.empty() && model.front().first < cutoff) {
        expected += model.front().second;
        model.pop_front();
      }
      ASSERT_EQ(taken.empty() ? std::string() : taken_text(taken), expected)
          << "capacity " << capacity << ", step " << step;
      ASSERT_EQ(buffer.lines(), model.size());
      ASSERT_EQ(buffer.dropped(), dropped);
    }
  }
}

TEST(MergeInOrder, InterleavesPartsBySequence) {
  WorkerBuffer zero(8);
  WorkerBuffer one(8);
  append(zero, 0, "z0");
  append(one, 1, "o1");
  append(one, 2, "o2");
  append(zero, 3, "z3");
  append(one, 4, "o4");
  TakenLines a;
  TakenLines b;
  zero.take_before(5, a);
  one.take_before(5, b);
  std::string scratch;
  EXPECT_EQ(merge_in_order({&a, &b}, scratch), "z0\no1\no2\nz3\no4\n");
  EXPECT_EQ(merge_in_order({&b, &a}, scratch), "z0\no1\no2\nz3\no4\n");
}

TEST(MergeInOrder, OnePartIsAViewOfItsOwnText) {
  WorkerBuffer zero(8);
  append(zero, 0, "only");
  TakenLines a;
  TakenLines empty;
  zero.take_before(1, a);
  std::string scratch;
  const std::string_view merged = merge_in_order({&empty, &a}, scratch);
  EXPECT_EQ(merged, "only\n");
  EXPECT_TRUE(scratch.empty());
  EXPECT_TRUE(merge_in_order({&empty}, scratch).empty());
}

}  // namespace
}  // namespace proxy::plugins::json_log
