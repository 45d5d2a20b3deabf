#include "line_writer.hpp"

#include <csignal>

#include <pthread.h>

namespace proxy::plugins::json_log {

LineWriter::LineWriter(std::shared_ptr<LineSink> sink, std::size_t queue_size,
                       std::chrono::milliseconds flush_interval)
    : queue_size_(queue_size),
      flush_interval_(flush_interval),
      sink_(std::move(sink)),
      thread_([this] { run(); }) {}

LineWriter::~LineWriter() {
  close();
  for (auto& slot : lanes_) {
    delete slot.load(std::memory_order_acquire);
  }
}

void LineWriter::write(std::string_view line, std::uint32_t worker) {
  append(worker, [line](std::string& text) { text.append(line); });
}

LineWriter::Lane& LineWriter::lane_for(std::uint32_t worker) {
  std::atomic<Lane*>& slot = lanes_[worker % max_buffers];
  Lane* lane = slot.load(std::memory_order_acquire);
  if (lane != nullptr) {
    return *lane;
  }
  // The first line from this io thread. Two threads meet here only when workers share a
  // buffer; the loser frees its copy and uses the winner's.
  auto fresh = std::make_unique<Lane>(queue_size_);
  if (slot.compare_exchange_strong(lane, fresh.get())) {
    return *fresh.release();
  }
  return *lane;
}

void LineWriter::wake_writer(bool half_full) {
  // Only the first line after the writer went idle wakes it; an early batch always does.
  const bool was_idle = writer_idle_.exchange(false);
  if (!was_idle && !half_full) {
    return;
  }
  {
    const std::lock_guard lock(wake_mutex_);
    half_full_ = half_full_ || half_full;
  }
  wake_.notify_one();
}

void LineWriter::close() {
  if (!thread_.joinable()) {
    return;
  }
  {
    const std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sink_.reset();  // closes the file
}

WriteLosses LineWriter::losses() const {
  WriteLosses losses;
  for (const auto& slot : lanes_) {
    Lane* lane = slot.load(std::memory_order_acquire);
    if (lane != nullptr) {
      const std::lock_guard lock(lane->mutex);
      losses.dropped += lane->buffer.dropped();
    }
  }
  losses.failed = failed_.load(std::memory_order_relaxed);
  const std::lock_guard lock(error_mutex_);
  losses.last_error = last_error_;
  return losses;
}

void LineWriter::run() {
  // A write to a pipe whose reader has gone fails with EPIPE here, reported like any
  // other write error, instead of SIGPIPE ending the process.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  bool idle = true;  // nothing to write before the first line
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(wake_mutex_);
      if (idle) {
        wake_.wait(lock, [this] { return stopping_ || !writer_idle_.load(); });
      }
      // Let a batch gather, unless a buffer is half full or the writer is closing.
      wake_.wait_for(lock, flush_interval_, [this] { return stopping_ || half_full_; });
      half_full_ = false;
      stopping = stopping_;
    }
    const bool wrote = drain();
    if (stopping) {
      return;  // close() runs when nothing appends any more: that drain took the last line
    }
    idle = false;
    if (!wrote) {
      // Announce the sleep first, then look: a line appended after the look sees the
      // announcement (through the lane mutex, or for a new lane through the sequentially
      // consistent slot and flag) and wakes the writer.
      writer_idle_.store(true);
      idle = buffers_empty();
      if (!idle) {
        writer_idle_.store(false);
      }
    }
  }
}

bool LineWriter::buffers_empty() {
  for (auto& slot : lanes_) {
    Lane* lane = slot.load();
    if (lane != nullptr) {
      const std::lock_guard lock(lane->mutex);
      if (!lane->buffer.empty()) {
        return false;
      }
    }
  }
  return true;
}

bool LineWriter::drain() {
  // Every line numbered below the cutoff is in its buffer by the time the buffer's mutex
  // is taken below: its number was drawn under that mutex, and the acquire makes a lane
  // created for it visible. Lines numbered from the cutoff on wait for the next batch, so
  // one batch never holds a line newer than one the next batch holds.
  const std::uint64_t cutoff = next_sequence_.load(std::memory_order_acquire);
  parts_.clear();
  for (auto& slot : lanes_) {
    Lane* lane = slot.load(std::memory_order_acquire);
    if (lane == nullptr) {
      continue;
    }
    {
      const std::lock_guard lock(lane->mutex);
      lane->buffer.take_before(cutoff, lane->taken);
    }
    if (!lane->taken.empty()) {
      parts_.push_back(&lane->taken);
    }
  }
  if (parts_.empty()) {
    return false;
  }
  const std::string_view batch = merge_in_order(parts_, merged_);
  std::string error;
  const std::size_t lost = sink_->write(batch, error);
  if (lost > 0) {
    failed_.fetch_add(lost, std::memory_order_relaxed);
    const std::lock_guard lock(error_mutex_);
    last_error_ = error;
  }
  for (TakenLines* part : parts_) {
    part->clear();
  }
  return true;
}

}  // namespace proxy::plugins::json_log
