#pragma once

#include <cstddef>
#include <vector>

namespace proxy::core {

// A pipe for splice(2): bytes move socket -> pipe -> socket inside the kernel, never
// copied through user space.
struct SplicePipe {
  int read_end = -1;
  int write_end = -1;
  std::size_t capacity = 0;  // bytes the pipe holds (F_GETPIPE_SZ)
  bool valid() const { return read_end >= 0; }
};

// The free pipes of one io thread. A tunnel holds a pipe only while bytes are in flight
// and gives it back, empty, when its sender has nothing more queued, so idle tunnels
// hold no pipe (and no descriptors for one). At most `max_free` are kept; the rest are
// closed.
//
// @par Thread Safety
// One per io thread (thread_local): no locking.
class PipePool {
 public:
  static PipePool& for_this_thread();

  explicit PipePool(std::size_t max_free = 16) : max_free_(max_free) {}
  PipePool(const PipePool&) = delete;
  PipePool& operator=(const PipePool&) = delete;
  ~PipePool();

  // A pipe of at least `wanted` bytes where the kernel allows it; invalid when no pipe
  // can be made (out of descriptors): the caller copies through user space instead.
  SplicePipe acquire(std::size_t wanted);
  // Takes back an empty pipe.
  void release(SplicePipe pipe);
  // Closes a pipe that may still hold bytes (its transfer failed half-way).
  static void discard(SplicePipe pipe);

 private:
  std::size_t max_free_;
  std::vector<SplicePipe> free_;
};

}  // namespace proxy::core
