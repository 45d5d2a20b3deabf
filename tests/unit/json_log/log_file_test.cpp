#include "log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "line_writer.hpp"
#include "proxy/sdk/context.hpp"

namespace proxy::plugins::json_log {
namespace {

using namespace std::chrono_literals;

TEST(RotatedName, PutsTheIndexBeforeTheExtensionAsSpdlogDoes) {
  EXPECT_EQ(rotated_name("logs/access.log", 0), "logs/access.log");
  EXPECT_EQ(rotated_name("logs/access.log", 2), "logs/access.2.log");
  EXPECT_EQ(rotated_name("access", 1), "access.1");
  EXPECT_EQ(rotated_name("logs/.hidden", 1), "logs/.hidden.1");
  EXPECT_EQ(rotated_name(".hidden", 1), ".hidden.1");
  EXPECT_EQ(rotated_name("rc.d/access", 3), "rc.d/access.3");
  EXPECT_EQ(rotated_name("access.", 1), "access..1");
  EXPECT_EQ(rotated_name("a.tar.gz", 1), "a.tar.1.gz");
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

TEST_F(FileSinkTest, OneBatchSplitsAcrossRotationsAtLineBoundaries) {
  const std::string path = (dir_ / "access.log").string();
  LogFile file(path, 1024, 3);
  std::string batch;
  for (int i = 0; i < 25; ++i) {
    batch += std::string(95, 'z') + "\n";  // 96 bytes each: 10 per file
  }
  std::string error;
  EXPECT_EQ(file.write(batch, error), 0U) << error;
  EXPECT_EQ(read_lines(dir_ / "access.2.log").size(), 10U);
  EXPECT_EQ(read_lines(dir_ / "access.1.log").size(), 10U);
  EXPECT_EQ(read_lines(path).size(), 5U);
}

TEST_F(FileSinkTest, ALineLongerThanAFileGetsAFileToItself) {
  const std::string path = (dir_ / "access.log").string();
  LogFile file(path, 1024, 3);
  std::string error;
  ASSERT_EQ(file.write("short\n", error), 0U);
  const std::string huge(2000, 'h');
  ASSERT_EQ(file.write(huge + "\nafter\n", error), 0U);
  EXPECT_EQ(read_lines(dir_ / "access.2.log"), std::vector<std::string>{"short"});
  EXPECT_EQ(read_lines(dir_ / "access.1.log"), std::vector<std::string>{huge});
  EXPECT_EQ(read_lines(path), std::vector<std::string>{"after"});
}

TEST_F(FileSinkTest, AppendsToAnExistingFileAndCountsItsSize) {
  Settings settings;
  settings.path = (dir_ / "access.log").string();
  settings.max_file_bytes = 1024;
  std::ofstream(settings.path) << std::string(1019, 'e') << "\n";
  {
    LineWriter writer(make_sink(settings), 8);
    writer.write("later");
  }
  // 1020 bytes were there: the new line does not fit beside them.
  EXPECT_EQ(read_lines(settings.path), (std::vector<std::string>{"later"}));
  EXPECT_EQ(read_lines(dir_ / "access.1.log"), (std::vector<std::string>{std::string(1019, 'e')}));
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

TEST_F(FileSinkTest, MissingParentFoldersAreCreated) {
  Settings settings;
  settings.path = (dir_ / "a" / "b" / "access.log").string();
  {
    LineWriter writer(make_sink(settings), 8);
    writer.write("deep");
  }
  EXPECT_EQ(read_lines(settings.path), (std::vector<std::string>{"deep"}));
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

TEST_F(FileSinkTest, AFifoIsNeverRotated) {
  const std::string path = (dir_ / "access.fifo").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  {
    LogFile file(path, 1024, 3);
    std::string error;
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(file.write(std::string(999, 'f') + "\n", error), 0U) << error;
    }
  }
  std::string received(4096, '\0');
  EXPECT_EQ(::read(reader, received.data(), received.size()), 3000);
  ::close(reader);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "access.1.fifo"));
  EXPECT_TRUE(std::filesystem::is_fifo(path));
}

TEST_F(FileSinkTest, AFailedWriteCountsTheLinesItLost) {
  if (!std::filesystem::exists("/dev/full")) {
    GTEST_SKIP() << "no /dev/full";
  }
  LogFile file("/dev/full", 1024, 3);  // every write fails with ENOSPC
  std::string error;
  EXPECT_EQ(file.write("a\nb\nc\n", error), 3U);
  EXPECT_NE(error.find("/dev/full"), std::string::npos) << error;
  EXPECT_NE(error.find("No space"), std::string::npos) << error;
}

}  // namespace
}  // namespace proxy::plugins::json_log
