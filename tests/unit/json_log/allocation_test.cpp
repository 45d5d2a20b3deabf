// Allocations per access line, counted by replacing the global operator new: a test
// binary of its own, so the counting allocator sees nothing else.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "access_line.hpp"
#include "line_writer.hpp"
#include "transaction_fixture.hpp"

namespace {

std::atomic<std::uint64_t> process_allocations{0};
thread_local std::uint64_t thread_allocations = 0;

}  // namespace

void* operator new(std::size_t size) {
  process_allocations.fetch_add(1, std::memory_order_relaxed);
  ++thread_allocations;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) {
    return memory;
  }
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
void operator delete(void* memory) noexcept {
  std::free(memory);
}
void operator delete[](void* memory) noexcept {
  std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, std::size_t) noexcept {
  std::free(memory);
}

namespace proxy::plugins::json_log {
namespace {

using namespace std::chrono_literals;

// Counts the lines it is given, and nothing else.
class CountingSink final : public LineSink {
 public:
  std::size_t write(std::string_view lines, std::string&) override {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return !held_; });
    for (const char c : lines) {
      lines_ += c == '\n' ? 1 : 0;
    }
    arrived_.notify_all();
    return 0;
  }
  // While held, write() waits: what is appended meanwhile piles up in the buffers, as
  // on a machine where the writer thread gets no CPU for a while.
  void hold() {
    const std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      const std::lock_guard lock(mutex_);
      held_ = false;
    }
    released_.notify_all();
  }
  bool wait_for(std::uint64_t count) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, 10s, [&] { return lines_ >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::condition_variable released_;
  std::uint64_t lines_ = 0;
  bool held_ = false;
};

TEST(Allocations, AnAccessLineAllocatesNothingOnTheIoThreadOnceBuffersHaveGrown) {
  testing::TransactionFixture fixture;
  fixture.target = "http://example.com/a/fairly/long/path?with=a&query=string&and=more";
  const sdk::Transaction& transaction = fixture.view();
  auto sink = std::make_shared<CountingSink>();
  LineWriter writer(sink, 8192, 20ms);
  const auto append_lines = [&](int count) {
    for (int i = 0; i < count; ++i) {
      writer.append(0, [&](std::string& text) { append_access_line(text, transaction); });
    }
  };
  constexpr int per_round = 2000;
  std::uint64_t written = 0;
  // The buffers grow to a round's lines: in the first rounds the writer is held, so a
  // whole round piles up in each of the buffers the appending side alternates between,
  // and the measured round needs no more however late the writer runs then.
  for (int round = 0; round < 4; ++round) {
    if (round < 2) {
      sink->hold();
    }
    append_lines(per_round);
    sink->release();
    written += per_round;
    ASSERT_TRUE(sink->wait_for(written));
  }

  const std::uint64_t thread_before = thread_allocations;
  const std::uint64_t process_before = process_allocations.load();
  append_lines(per_round);
  const std::uint64_t on_io_thread = thread_allocations - thread_before;
  written += per_round;
  ASSERT_TRUE(sink->wait_for(written));
  const std::uint64_t in_process = process_allocations.load() - process_before;

  std::printf("allocations per access line: %.4f on the appending thread, %.4f in the process\n",
              static_cast<double>(on_io_thread) / per_round,
              static_cast<double>(in_process) / per_round);
  EXPECT_EQ(on_io_thread, 0U);
  EXPECT_LT(in_process, static_cast<std::uint64_t>(per_round) / 100);  // the writer's, per batch
  EXPECT_EQ(writer.losses().dropped, 0U);
}

}  // namespace
}  // namespace proxy::plugins::json_log
