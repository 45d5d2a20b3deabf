#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "line_sink.hpp"
#include "worker_buffer.hpp"

namespace proxy::plugins::json_log {

// What a LineWriter lost so far; counters only grow.
struct WriteLosses {
  std::uint64_t dropped = 0;  // overrun in a full buffer, never written
  std::uint64_t failed = 0;   // the sink could not write them
  std::string last_error;
};

// Collects lines from the io threads and writes them in batches on a thread of its own.
//
// Each io thread (the `worker` index; indexes beyond max_buffers share a buffer) appends
// to a WorkerBuffer of its own, under a mutex only the writer ever contends for, and
// briefly: appending costs a copy into memory the buffer already has, no allocation once
// the buffers have grown to the traffic, and no wake-up. When a buffer holds queue_size
// lines the oldest is dropped (counted), so an io thread never waits for the disk.
//
// The writer thread wakes every flush_interval, or early when a buffer reaches half of
// queue_size, takes everything appended so far out of every buffer (a swap and a short
// copy under each buffer's mutex), and hands the sink one batch in the order the lines
// were appended across all threads (each line carries a sequence number). With nothing
// buffered it sleeps until the next line comes. A line therefore reaches the sink within
// about flush_interval.
//
// @par Thread Safety
// append(), write() and losses() may be called from any thread; close() and the
// destructor once, when no append() can run any more. The sink is called on the writer
// thread only.
class LineWriter {
 public:
  static constexpr std::size_t max_buffers = 256;
  static constexpr std::chrono::milliseconds default_flush_interval{100};

  LineWriter(std::shared_ptr<LineSink> sink, std::size_t queue_size,
             std::chrono::milliseconds flush_interval = default_flush_interval);
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;
  ~LineWriter();

  // Appends one line written by `format(text)`, which appends the line (without a
  // newline) to the string it is given: the buffer itself.
  template <typename Format>
  void append(std::uint32_t worker, Format&& format) {
    Lane& lane = lane_for(worker);
    bool half_full = false;
    {
      const std::lock_guard lock(lane.mutex);
      // Drawn under the lane mutex: see drain() for why.
      half_full = lane.buffer.append(next_sequence_.fetch_add(1, std::memory_order_acq_rel),
                                     std::forward<Format>(format));
    }
    // Sequentially consistent (a plain load on x86): pairs with run() announcing a sleep.
    if (half_full || writer_idle_.load()) {
      wake_writer(half_full);
    }
  }
  void write(std::string_view line, std::uint32_t worker = 0);

  // Writes every line appended so far, then stops the thread and releases the sink.
  void close();
  WriteLosses losses() const;

 private:
  struct alignas(64) Lane {
    explicit Lane(std::size_t queue_size) : buffer(queue_size) {}
    std::mutex mutex;
    WorkerBuffer buffer;  // guarded by mutex
    TakenLines taken;     // the writer thread's alone
  };

  Lane& lane_for(std::uint32_t worker);
  void wake_writer(bool half_full);
  void run();
  bool drain();
  bool buffers_empty();

  const std::size_t queue_size_;
  const std::chrono::milliseconds flush_interval_;
  std::shared_ptr<LineSink> sink_;
  std::array<std::atomic<Lane*>, max_buffers> lanes_{};
  std::atomic<std::uint64_t> next_sequence_{0};

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;   // guarded by wake_mutex_
  bool half_full_ = false;  // guarded by wake_mutex_: a buffer asked for an early batch
  std::atomic<bool> writer_idle_{true};  // the writer sleeps until the next line

  std::vector<TakenLines*> parts_;  // the writer thread's alone
  std::string merged_;              // the writer thread's alone
  std::atomic<std::uint64_t> failed_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace proxy::plugins::json_log
