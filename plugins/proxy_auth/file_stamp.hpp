#pragma once

#include <sys/stat.h>

#include <cstdint>

namespace proxy::plugins::proxy_auth {

// What tells one version of a file from the next without reading it: which file the
// path names (device and inode: an editor or `mv` that replaces it changes them), its
// size, and its modification and status-change times to the nanosecond.
struct FileStamp {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;

  static FileStamp of(const struct stat& info) {
    constexpr std::int64_t ns_per_s = 1'000'000'000;
    return {static_cast<std::uint64_t>(info.st_dev), static_cast<std::uint64_t>(info.st_ino),
            static_cast<std::int64_t>(info.st_size),
            static_cast<std::int64_t>(info.st_mtim.tv_sec) * ns_per_s + info.st_mtim.tv_nsec,
            static_cast<std::int64_t>(info.st_ctim.tv_sec) * ns_per_s + info.st_ctim.tv_nsec};
  }

  bool operator==(const FileStamp& other) const = default;
};

}  // namespace proxy::plugins::proxy_auth
