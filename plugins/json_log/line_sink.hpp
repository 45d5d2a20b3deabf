#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace proxy::plugins::json_log {

// Where a LineWriter's batches go. Called on the writer thread only.
class LineSink {
 public:
  LineSink() = default;
  LineSink(const LineSink&) = delete;
  LineSink& operator=(const LineSink&) = delete;
  virtual ~LineSink() = default;

  // Writes `lines` (whole lines, each ending in '\n'). Returns how many of them were not
  // written, with the reason in `error`; 0 when all were.
  virtual std::size_t write(std::string_view lines, std::string& error) = 0;
};

}  // namespace proxy::plugins::json_log
