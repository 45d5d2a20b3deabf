#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "json_log_settings.hpp"
#include "line_sink.hpp"

namespace proxy::plugins::json_log {

// An access-log file rotated by size, with the names spdlog's rotating file sink gives:
// before a line would take the file past max_bytes, path.(N-2).ext becomes
// path.(N-1).ext ... path.ext becomes path.1.ext, and a new, empty path.ext is written;
// with max_files 1 the file is emptied instead. A line longer than max_bytes still gets
// a file to itself. A path that is not a regular file (a FIFO, /dev/stdout) is never
// rotated. Each batch reaches the kernel in one write(2) unless it spans a rotation.
//
// Opened for appending on construction (missing parent folders are created); throws
// std::runtime_error naming the path when it cannot be.
class LogFile final : public LineSink {
 public:
  LogFile(std::string path, std::uint64_t max_bytes, std::size_t max_files);
  ~LogFile() override;

  std::size_t write(std::string_view lines, std::string& error) override;

 private:
  bool open(bool truncate, std::string& error);
  bool rotate(std::string& error);

  std::string path_;
  std::uint64_t max_bytes_;
  std::size_t max_files_;
  int fd_ = -1;
  bool rotates_ = false;
  std::uint64_t size_ = 0;
};

// The process's stdout, written with write(2) and never closed.
class StdoutSink final : public LineSink {
 public:
  std::size_t write(std::string_view lines, std::string& error) override;
};

// The name of the index-th older file: "logs/access.log", 2 -> "logs/access.2.log";
// without an extension ("access", or ".hidden"), the index goes at the end.
std::string rotated_name(const std::string& path, std::size_t index);

// The sink the settings name: stdout for "-", else a LogFile. Throws
// sdk::SettingsError("path") when the file cannot be opened.
std::shared_ptr<LineSink> make_sink(const Settings& settings);

}  // namespace proxy::plugins::json_log
