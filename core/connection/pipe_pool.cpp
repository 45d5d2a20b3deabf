#include "connection/pipe_pool.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace proxy::core {

PipePool& PipePool::for_this_thread() {
  thread_local PipePool pool;
  return pool;
}

PipePool::~PipePool() {
  for (const SplicePipe& pipe : free_) {
    discard(pipe);
  }
}

SplicePipe PipePool::acquire(std::size_t wanted) {
  if (!free_.empty()) {
    const SplicePipe pipe = free_.back();
    free_.pop_back();
    return pipe;
  }
  int ends[2] = {-1, -1};
  if (pipe2(ends, O_NONBLOCK | O_CLOEXEC) != 0) {
    return {};
  }
  SplicePipe pipe{ends[0], ends[1], 0};
  // Larger than the default 64 KiB only as far as the kernel lets an unprivileged
  // process (fs.pipe-max-size); a refusal keeps the default.
  if (wanted > 65536) {
    (void)fcntl(pipe.write_end, F_SETPIPE_SZ, static_cast<int>(wanted));
  }
  const int size = fcntl(pipe.write_end, F_GETPIPE_SZ);
  pipe.capacity = size > 0 ? static_cast<std::size_t>(size) : 65536;
  return pipe;
}

void PipePool::release(SplicePipe pipe) {
  if (!pipe.valid()) {
    return;
  }
  if (free_.size() >= max_free_) {
    discard(pipe);
    return;
  }
  free_.push_back(pipe);
}

void PipePool::discard(SplicePipe pipe) {
  if (pipe.read_end >= 0) {
    close(pipe.read_end);
  }
  if (pipe.write_end >= 0) {
    close(pipe.write_end);
  }
}

}  // namespace proxy::core
