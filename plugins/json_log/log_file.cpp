#include "log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::json_log {
namespace {

struct WriteResult {
  std::size_t written = 0;
  int error = 0;  // errno of the write that failed, 0 when all was written
};

WriteResult write_fully(int fd, std::string_view data) {
  WriteResult result;
  while (result.written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + result.written, data.size() - result.written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      result.error = errno;
      return result;
    }
    result.written += static_cast<std::size_t>(n);
  }
  return result;
}

std::size_t count_lines(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Whole lines from the front of `lines` that fit in `room` bytes, at least the first one
// when `at_least_one`.
std::size_t fitting_prefix(std::string_view lines, std::uint64_t room, bool at_least_one) {
  std::size_t end = 0;
  while (end < lines.size()) {
    const std::size_t newline = lines.find('\n', end);
    const std::size_t next = newline == std::string_view::npos ? lines.size() : newline + 1;
    if (next > room && !(at_least_one && end == 0)) {
      break;
    }
    end = next;
  }
  return end;
}

// strerror(3) may share one buffer between threads; the standard library's message
// does not.
std::string error_text(int error) {
  return std::generic_category().message(error);
}

std::string describe(const std::string& what, const std::string& path, int error) {
  return what + " '" + path + "': " + error_text(error);
}

}  // namespace

std::string rotated_name(const std::string& path, std::size_t index) {
  if (index == 0) {
    return path;
  }
  const std::size_t dot = path.rfind('.');
  const std::size_t folder = path.rfind('/');
  const bool has_extension = dot != std::string::npos && dot != 0 && dot != path.size() - 1 &&
                             !(folder != std::string::npos && folder + 1 >= dot);
  if (!has_extension) {
    return path + "." + std::to_string(index);
  }
  return path.substr(0, dot) + "." + std::to_string(index) + path.substr(dot);
}

LogFile::LogFile(std::string path, std::uint64_t max_bytes, std::size_t max_files)
    : path_(std::move(path)),
      max_bytes_(max_bytes),
      max_files_(std::max<std::size_t>(max_files, 1)) {
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  std::error_code ignored;  // open() below says what is wrong, if anything is
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ignored);
  }
  std::string error;
  if (!open(false, error)) {
    throw std::runtime_error(error);
  }
}

LogFile::~LogFile() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool LogFile::open(bool truncate, std::string& error) {
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  fd_ = ::open(path_.c_str(), flags, 0666);  // as fopen would: the umask decides
  if (fd_ < 0) {
    error = describe("cannot open", path_, errno);
    return false;
  }
  struct stat status {};
  if (::fstat(fd_, &status) != 0) {
    error = describe("cannot stat", path_, errno);
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  rotates_ = S_ISREG(status.st_mode);
  size_ = rotates_ ? static_cast<std::uint64_t>(status.st_size) : 0;
  return true;
}

bool LogFile::rotate(std::string& error) {
  ::close(fd_);
  fd_ = -1;
  bool renamed = true;
  for (std::size_t i = max_files_ - 1; i > 0 && renamed; --i) {
    const std::string source = rotated_name(path_, i - 1);
    std::error_code missing;
    if (!std::filesystem::exists(source, missing)) {
      continue;
    }
    const std::string target = rotated_name(path_, i);
    std::error_code ignored;
    std::filesystem::remove(target, ignored);
    if (::rename(source.c_str(), target.c_str()) != 0) {
      error = describe("cannot rename", source, errno) + " to '" + target + "'";
      renamed = false;
    }
  }
  if (!renamed) {
    // Keep the full file as it is rather than empty it: the lines that do not fit are
    // lost instead, and the next batch tries again.
    std::string reopen_error;
    if (!open(false, reopen_error)) {
      error += "; " + reopen_error;
    }
    return false;
  }
  return open(true, error);
}

std::size_t LogFile::write(std::string_view lines, std::string& error) {
  while (!lines.empty()) {
    if (fd_ < 0 && !open(false, error)) {
      return count_lines(lines);
    }
    std::string_view chunk = lines;
    if (rotates_ && size_ + lines.size() > max_bytes_) {
      const std::uint64_t room = size_ < max_bytes_ ? max_bytes_ - size_ : 0;
      chunk = lines.substr(0, fitting_prefix(lines, room, size_ == 0));
      if (chunk.empty()) {
        if (!rotate(error)) {
          return count_lines(lines);
        }
        continue;
      }
    }
    const WriteResult result = write_fully(fd_, chunk);
    size_ += result.written;
    if (result.error != 0) {
      error = describe("cannot write to", path_, result.error);
      return count_lines(lines.substr(result.written));
    }
    lines.remove_prefix(chunk.size());
  }
  return 0;
}

std::size_t StdoutSink::write(std::string_view lines, std::string& error) {
  const WriteResult result = write_fully(STDOUT_FILENO, lines);
  if (result.error == 0) {
    return 0;
  }
  error = "cannot write to stdout: " + error_text(result.error);
  return count_lines(lines.substr(result.written));
}

std::shared_ptr<LineSink> make_sink(const Settings& settings) {
  if (settings.to_stdout()) {
    return std::make_shared<StdoutSink>();
  }
  try {
    return std::make_shared<LogFile>(settings.path, settings.max_file_bytes, settings.max_files);
  } catch (const std::runtime_error& e) {
    throw sdk::SettingsError("path", e.what());
  }
}

}  // namespace proxy::plugins::json_log
