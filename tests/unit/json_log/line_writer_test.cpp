#include "line_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::json_log {
namespace {

using namespace std::chrono_literals;

// Keeps what it is given; while the gate is shut, the writer thread waits inside it, as
// it would on a stuck disk or a full pipe.
class GateSink final : public spdlog::sinks::base_sink<std::mutex> {
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
  std::vector<std::string> lines() {
    const std::lock_guard lock(gate_mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::unique_lock lock(gate_mutex_);
    held_ = true;
    gate_.notify_all();
    gate_.wait(lock, [this] { return open_; });
    lines_.emplace_back(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool open_ = true;
  bool held_ = false;
  std::vector<std::string> lines_;
};

class FailingSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg&) override {
    throw spdlog::spdlog_ex("disk on fire");
  }
  void flush_() override {}
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
    EXPECT_EQ(lines[i], numbered(i) + "\n");  // the pattern is the bare line
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

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("proxy_json_log_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static std::vector<std::string> read_lines(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
    return lines;
  }

  std::filesystem::path dir_;
};

TEST_F(FileSinkTest, EachLineReachesTheFileWithoutWaitingForClose) {
  Settings settings;
  settings.path = (dir_ / "access.log").string();
  LineWriter writer(make_sink(settings), 16);
  writer.write("first");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (read_lines(settings.path).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(read_lines(settings.path), std::vector<std::string>{"first"});
}

TEST_F(FileSinkTest, RotatesAtTheSizeAndKeepsMaxFilesFiles) {
  Settings settings;
  settings.path = (dir_ / "access.log").string();
  settings.max_file_bytes = 1024;
  settings.max_files = 3;
  const std::string padding(90, 'x');
  {
    LineWriter writer(make_sink(settings), 1000);
    for (int i = 0; i < 100; ++i) {
      writer.write(padding + " " + std::to_string(1000 + i));  // 96 bytes with the newline
    }
  }
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    names.push_back(entry.path().filename().string());
    EXPECT_LE(entry.file_size(), 1024U) << entry.path();
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"access.1.log", "access.2.log", "access.log"}));
  // Oldest file first: together they hold the newest lines, contiguous, in order.
  std::vector<std::string> kept;
  for (const char* name : {"access.2.log", "access.1.log", "access.log"}) {
    const auto lines = read_lines(dir_ / name);
    EXPECT_FALSE(lines.empty()) << name;
    kept.insert(kept.end(), lines.begin(), lines.end());
  }
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.back(), padding + " 1099");
  for (std::size_t i = 1; i < kept.size(); ++i) {
    EXPECT_EQ(std::stoi(kept[i].substr(91)), std::stoi(kept[i - 1].substr(91)) + 1);
  }
  EXPECT_EQ(kept.size(), 30U);  // 10 lines of 96 bytes fit in 1024, three files
}

TEST_F(FileSinkTest, OneFileMeansTruncateWhenFull) {
  Settings settings;
  settings.path = (dir_ / "only.log").string();
  settings.max_file_bytes = 1024;
  settings.max_files = 1;
  {
    LineWriter writer(make_sink(settings), 1000);
    for (int i = 0; i < 25; ++i) {
      writer.write(std::string(90, 'y') + " " + std::to_string(1000 + i));
    }
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1);
  const auto lines = read_lines(dir_ / "only.log");
  ASSERT_EQ(lines.size(), 5U);  // lines 20..24 after the second truncation
  EXPECT_EQ(lines.front().substr(91), "1020");
}

TEST_F(FileSinkTest, AppendsToAnExistingFile) {
  Settings settings;
  settings.path = (dir_ / "access.log").string();
  std::ofstream(settings.path) << "earlier\n";
  {
    LineWriter writer(make_sink(settings), 8);
    writer.write("later");
  }
  EXPECT_EQ(read_lines(settings.path), (std::vector<std::string>{"earlier", "later"}));
}

TEST_F(FileSinkTest, AnUnopenablePathIsASettingsErrorNamingPath) {
  Settings settings;
  settings.path = dir_.string();  // a folder
  try {
    make_sink(settings);
    FAIL() << "a folder was opened as a log file";
  } catch (const sdk::SettingsError& e) {
    EXPECT_EQ(e.key(), "path");
    EXPECT_NE(std::string(e.what()).find(settings.path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace proxy::plugins::json_log
