#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/sinks/sink.h>

#include "json_log_settings.hpp"

namespace proxy::plugins::json_log {

// What a LineWriter lost so far; counters only grow.
struct WriteLosses {
  std::uint64_t dropped = 0;  // overrun in a full queue, never written
  std::uint64_t failed = 0;   // the sink failed to write or flush them
  std::string last_error;
};

// Writes lines through an asynchronous spdlog logger with a thread pool of its own (one
// thread, a queue of `queue_size` lines). write() never blocks: when the queue is full
// the oldest queued line is overrun and counted as dropped. The writer thread flushes
// after every line, so a line reaches the file (or stdout) as soon as it is written.
// The logger is not registered in spdlog's global registry.
//
// @par Thread Safety
// write() and losses() may be called from any thread; close() and the destructor once,
// when no write() can run any more.
class LineWriter {
 public:
  LineWriter(spdlog::sink_ptr sink, std::size_t queue_size);
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;
  ~LineWriter();

  void write(std::string_view line);
  // Waits until every queued line is written and flushed, then stops the thread.
  void close();
  WriteLosses losses() const;

 private:
  void record_failure(const std::string& message);

  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::async_logger> logger_;
  std::uint64_t dropped_at_close_ = 0;

  std::atomic<std::uint64_t> failed_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

// The sink the settings name: stdout for "-", else a size-rotated file (path.1.ext,
// path.2.ext ... hold older lines). Throws sdk::SettingsError("path") when the file
// cannot be opened.
spdlog::sink_ptr make_sink(const Settings& settings);

}  // namespace proxy::plugins::json_log
