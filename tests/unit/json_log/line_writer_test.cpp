#include "line_writer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace proxy::plugins::json_log {
namespace {

using namespace std::chrono_literals;

// Keeps what it is given, one entry per line; while the gate is shut, the writer thread
// waits inside it, as it would on a stuck disk or a full pipe.
class GateSink final : public LineSink {
 public:
  void shut_gate() {
    const std::lock_guard lock(gate_mutex_);
    open_ = false;
  }
  void open_gate() {
    const std::lock_guard lock(gate_mutex_);
    open_ = true;
    gate_.notify_all();
  }
  // True once the writer thread is held at the gate.
  bool wait_until_held(std::chrono::milliseconds timeout) {
    std::unique_lock lock(gate_mutex_);
    return gate_.wait_for(lock, timeout, [this] { return held_; });
  }
  // True once `count` lines arrived.
  bool wait_for_lines(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(gate_mutex_);
    return gate_.wait_for(lock, timeout, [&] { return lines_.size() >= count; });
  }
  std::vector<std::string> lines() {
    const std::lock_guard lock(gate_mutex_);
    return lines_;
  }
  std::size_t batches() {
    const std::lock_guard lock(gate_mutex_);
    return batches_;
  }

  std::size_t write(std::string_view batch, std::string&) override {
    std::unique_lock lock(gate_mutex_);
    held_ = true;
    gate_.notify_all();
    gate_.wait(lock, [this] { return open_; });
    ++batches_;
    while (!batch.empty()) {
      const std::size_t end = batch.find('\n');
      const std::size_t length = end == std::string_view::npos ? batch.size() : end + 1;
      lines_.emplace_back(batch.substr(0, length));
      batch.remove_prefix(length);
    }
    gate_.notify_all();
    return 0;
  }

 private:
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool open_ = true;
  bool held_ = false;
  std::size_t batches_ = 0;
  std::vector<std::string> lines_;
};

class FailingSink final : public LineSink {
 public:
  std::size_t write(std::string_view batch, std::string& error) override {
    error = "disk on fire";
    return static_cast<std::size_t>(std::count(batch.begin(), batch.end(), '\n'));
  }
};

std::string numbered(int i) {
  return "line " + std::to_string(i);
}

TEST(LineWriter, WritesEachLineWithANewlineInOrder) {
  auto sink = std::make_shared<GateSink>();
  {
    LineWriter writer(sink, 64);
    for (int i = 0; i < 10; ++i) {
      writer.write(numbered(i));
    }
  }
  const std::vector<std::string> lines = sink->lines();
  ASSERT_EQ(lines.size(), 10U);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(lines[i], numbered(i) + "\n");  // the bare line
  }
}

TEST(LineWriter, LinesAreWrittenVerbatimWithoutFormatting) {
  auto sink = std::make_shared<GateSink>();
  {
    LineWriter writer(sink, 8);
    writer.write(R"({"target":"/{}{:x}%v"})");
  }
  EXPECT_EQ(sink->lines(), std::vector<std::string>{"{\"target\":\"/{}{:x}%v\"}\n"});
}

TEST(LineWriter, AppendWritesTheFormattedLineIntoTheBuffer) {
  auto sink = std::make_shared<GateSink>();
  {
    LineWriter writer(sink, 8);
    writer.append(3, [](std::string& text) {
      text += "{\"a\":";
      text += "1}";
    });
  }
  EXPECT_EQ(sink->lines(), std::vector<std::string>{"{\"a\":1}\n"});
}

TEST(LineWriter, AFormatThatThrowsLeavesNoPartialLine) {
  auto sink = std::make_shared<GateSink>();
  {
    LineWriter writer(sink, 8);
    writer.write("before");
    EXPECT_THROW(writer.append(0,
                               [](std::string& text) {
                                 text += "half a li";
                                 throw std::runtime_error("formatting failed");
                               }),
                 std::runtime_error);
    writer.write("after");
  }
  EXPECT_EQ(sink->lines(), (std::vector<std::string>{"before\n", "after\n"}));
}

TEST(LineWriter, CloseWritesEveryQueuedLine) {
  auto sink = std::make_shared<GateSink>();
  sink->shut_gate();
  LineWriter writer(sink, 1000);
  for (int i = 0; i < 1000; ++i) {
    writer.write(numbered(i));
  }
  ASSERT_TRUE(sink->wait_until_held(5s));
  EXPECT_LT(sink->lines().size(), 1000U);  // still queued
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    sink->open_gate();
  });
  writer.close();  // waits for the queue to drain
  opener.join();
  EXPECT_EQ(sink->lines().size(), 1000U);
  EXPECT_EQ(writer.losses().dropped, 0U);
}

TEST(LineWriter, AFullQueueDropsTheOldestAndNeverBlocks) {
  auto sink = std::make_shared<GateSink>();
  sink->shut_gate();
  LineWriter writer(sink, 4);
  writer.write(numbered(0));
  ASSERT_TRUE(sink->wait_until_held(5s));  // line 0 is in the sink, held
  // The writer thread is stuck: each write must still return at once.
  const auto started = std::chrono::steady_clock::now();
  for (int i = 1; i <= 100; ++i) {
    writer.write(numbered(i));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(writer.losses().dropped, 96U);  // 100 queued into 4 slots
  sink->open_gate();
  writer.close();
  EXPECT_EQ(writer.losses().dropped, 96U);
  // The oldest went; the newest four survived.
  EXPECT_EQ(sink->lines(), (std::vector<std::string>{"line 0\n", "line 97\n", "line 98\n",
                                                     "line 99\n", "line 100\n"}));
}

TEST(LineWriter, EachWorkerHasAQueueOfItsOwn) {
  auto sink = std::make_shared<GateSink>();
  sink->shut_gate();
  LineWriter writer(sink, 4);
  writer.write("held", 0);
  ASSERT_TRUE(sink->wait_until_held(5s));
  for (int i = 0; i < 6; ++i) {
    writer.write("zero " + std::to_string(i), 0);
    writer.write("one " + std::to_string(i), 1);
  }
  EXPECT_EQ(writer.losses().dropped, 4U);  // two from each worker's four slots
  sink->open_gate();
  writer.close();
  EXPECT_EQ(sink->lines(),
            (std::vector<std::string>{"held\n", "zero 2\n", "one 2\n", "zero 3\n", "one 3\n",
                                      "zero 4\n", "one 4\n", "zero 5\n", "one 5\n"}));
}

TEST(LineWriter, LinesFromManyThreadsKeepTheOrderTheyWereAppendedIn) {
  auto sink = std::make_shared<GateSink>();
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  {
    LineWriter writer(sink, 1U << 16U, 5ms);
    // One shared counter, taken under a mutex together with the append: the order the
    // lines must come out in, whatever worker each one used.
    std::mutex order_mutex;
    int next = 0;
    std::vector<std::thread> appenders;
    for (int t = 0; t < threads; ++t) {
      appenders.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          if (i % 100 == 0) {
            std::this_thread::sleep_for(2ms);  // spread the lines over many batches
          }
          const std::lock_guard lock(order_mutex);
          writer.write(numbered(next++), static_cast<std::uint32_t>(t));
        }
      });
    }
    for (auto& appender : appenders) {
      appender.join();
    }
  }
  const std::vector<std::string> lines = sink->lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(threads * per_thread));
  for (int i = 0; i < threads * per_thread; ++i) {
    ASSERT_EQ(lines[static_cast<std::size_t>(i)], numbered(i) + "\n") << "at " << i;
  }
  EXPECT_GT(sink->batches(), 1U);
}

TEST(LineWriter, WorkersBeyondTheBufferCountShareOne) {
  auto sink = std::make_shared<GateSink>();
  {
    LineWriter writer(sink, 8);
    writer.write("a", 5);
    writer.write("b", 5 + LineWriter::max_buffers);
    writer.write("c", 0xffffffffU);
  }
  EXPECT_EQ(sink->lines(), (std::vector<std::string>{"a\n", "b\n", "c\n"}));
}

TEST(LineWriter, ALineWaitsForTheFlushInterval) {
  auto sink = std::make_shared<GateSink>();
  LineWriter writer(sink, 1000, 400ms);
  const auto started = std::chrono::steady_clock::now();
  writer.write("first");
  EXPECT_FALSE(sink->wait_for_lines(1, 150ms)) << "written before the interval";
  ASSERT_TRUE(sink->wait_for_lines(1, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  writer.write("second");  // the writer is idle again: the line still arrives
  EXPECT_TRUE(sink->wait_for_lines(2, 5s));
}

TEST(LineWriter, AHalfFullQueueIsWrittenWithoutWaitingForTheInterval) {
  auto sink = std::make_shared<GateSink>();
  LineWriter writer(sink, 8, 10s);
  for (int i = 0; i < 3; ++i) {
    writer.write(numbered(i));
  }
  EXPECT_FALSE(sink->wait_for_lines(1, 200ms));
  writer.write(numbered(3));  // four of eight: half full
  ASSERT_TRUE(sink->wait_for_lines(4, 5s));
  EXPECT_EQ(sink->batches(), 1U);  // one batch for the four, not one write per line
  EXPECT_EQ(writer.losses().dropped, 0U);
}

TEST(LineWriter, SinkFailuresAreCountedWithTheLastError) {
  LineWriter writer(std::make_shared<FailingSink>(), 8);
  writer.write("a");
  writer.write("b");
  writer.close();
  const WriteLosses losses = writer.losses();
  EXPECT_EQ(losses.failed, 2U);
  EXPECT_NE(losses.last_error.find("disk on fire"), std::string::npos) << losses.last_error;
}

TEST(LineWriter, IsNotRegisteredGlobally) {
  LineWriter writer(std::make_shared<GateSink>(), 8);
  EXPECT_EQ(spdlog::get("json_log"), nullptr);
}

}  // namespace
}  // namespace proxy::plugins::json_log
