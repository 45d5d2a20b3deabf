#include "line_writer.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::json_log {

LineWriter::LineWriter(spdlog::sink_ptr sink, std::size_t queue_size)
    : pool_(std::make_shared<spdlog::details::thread_pool>(queue_size, 1)),
      logger_(std::make_shared<spdlog::async_logger>(
          "json_log", std::move(sink), pool_, spdlog::async_overflow_policy::overrun_oldest)) {
  logger_->set_pattern("%v");
  logger_->set_level(spdlog::level::info);
  // Flushing runs on the writer thread, never on the caller's.
  logger_->flush_on(spdlog::level::info);
  logger_->set_error_handler([this](const std::string& message) { record_failure(message); });
}

LineWriter::~LineWriter() {
  close();
}

void LineWriter::write(std::string_view line) {
  if (logger_) {
    logger_->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
  }
}

void LineWriter::close() {
  if (!pool_) {
    return;
  }
  dropped_at_close_ = pool_->overrun_counter();
  // The pool's destructor queues a stop behind every pending line and joins the thread.
  pool_.reset();
  logger_.reset();  // the last owner of the sink: closes the file
}

WriteLosses LineWriter::losses() const {
  WriteLosses losses;
  losses.dropped = pool_ ? pool_->overrun_counter() : dropped_at_close_;
  losses.failed = failed_.load(std::memory_order_relaxed);
  const std::lock_guard lock(error_mutex_);
  losses.last_error = last_error_;
  return losses;
}

void LineWriter::record_failure(const std::string& message) {
  failed_.fetch_add(1, std::memory_order_relaxed);
  const std::lock_guard lock(error_mutex_);
  last_error_ = message;
}

spdlog::sink_ptr make_sink(const Settings& settings) {
  if (settings.to_stdout()) {
    return std::make_shared<spdlog::sinks::stdout_sink_mt>();
  }
  try {
    // spdlog counts the rotated files only; max_files counts the active one too.
    return std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        settings.path, settings.max_file_bytes, settings.max_files - 1);
  } catch (const spdlog::spdlog_ex& e) {
    throw sdk::SettingsError("path", "cannot open '" + settings.path + "': " + e.what());
  }
}

}  // namespace proxy::plugins::json_log
