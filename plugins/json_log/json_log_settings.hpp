#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace proxy::plugins::json_log {

inline constexpr std::uint64_t min_file_bytes = 1024;
inline constexpr std::uint64_t max_max_files = 1000;
inline constexpr std::uint64_t max_queue_size = 1U << 18U;  // lines per io thread
inline constexpr std::uint64_t max_flush_interval_ms = 10'000;

struct Settings {
  std::string path = "-";  // "-" = stdout; else a file, relative to the working directory
  std::uint64_t max_file_bytes = std::uint64_t{100} << 20U;  // rotate before a file exceeds it
  std::size_t max_files = 5;              // files kept, the one being written included
  std::size_t queue_size = 8192;          // lines each io thread holds for the writer thread
  std::uint64_t flush_interval_ms = 100;  // the writer writes a batch at least this often

  bool to_stdout() const { return path == "-"; }
};

// plugins.settings.json_log, validated strictly: unknown keys, wrong types and values out
// of range throw sdk::SettingsError naming the key. Absent keys keep their defaults; null
// settings mean all defaults.
Settings parse_settings(const nlohmann::json& settings);

}  // namespace proxy::plugins::json_log
