#include "hiredis_asio.hpp"

#include <memory>
#include <system_error>

namespace proxy::plugins::rate_limiter {
namespace {

// One context's socket in the reactor. Shared by the waits in flight, so that a wait
// completing after the context was freed finds `context` null instead of a dangling one.
struct Watcher : std::enable_shared_from_this<Watcher> {
  Watcher(asio::io_context& io, redisAsyncContext* ac, int fd) : socket(io, fd), context(ac) {}

  asio::posix::stream_descriptor socket;
  redisAsyncContext* context;  // null once hiredis freed it
  bool want_read = false;
  bool want_write = false;
  bool reading = false;  // a read wait is queued
  bool writing = false;
  // Owned by the context's ev.data from attach to cleanup.
  std::shared_ptr<Watcher> self;

  void arm_read() {
    if (reading || context == nullptr) {
      return;
    }
    reading = true;
    socket.async_wait(asio::posix::stream_descriptor::wait_read,
                      [watcher = shared_from_this()](const boost::system::error_code& error) {
                        watcher->reading = false;
                        if (error || watcher->context == nullptr || !watcher->want_read) {
                          return;
                        }
                        // hiredis asks for the next read itself (addRead) when it wants one;
                        // it may free the context in here.
                        redisAsyncHandleRead(watcher->context);
                      });
  }

  void arm_write() {
    if (writing || context == nullptr) {
      return;
    }
    writing = true;
    socket.async_wait(asio::posix::stream_descriptor::wait_write,
                      [watcher = shared_from_this()](const boost::system::error_code& error) {
                        watcher->writing = false;
                        if (error || watcher->context == nullptr || !watcher->want_write) {
                          return;
                        }
                        redisAsyncHandleWrite(watcher->context);
                        // Still buffered output (a large pipeline): wait again.
                        if (watcher->context != nullptr && watcher->want_write) {
                          watcher->arm_write();
                        }
                      });
  }
};

Watcher& watcher_of(void* data) {
  return *static_cast<Watcher*>(data);
}

void add_read(void* data) {
  Watcher& w = watcher_of(data);
  w.want_read = true;
  w.arm_read();
}

void del_read(void* data) {
  watcher_of(data).want_read = false;
}

void add_write(void* data) {
  Watcher& w = watcher_of(data);
  w.want_write = true;
  w.arm_write();
}

void del_write(void* data) {
  watcher_of(data).want_write = false;
}

// Called by hiredis while it frees the context, before it closes the socket.
void cleanup(void* data) {
  Watcher& w = watcher_of(data);
  w.context = nullptr;
  w.want_read = false;
  w.want_write = false;
  boost::system::error_code ignored;
  w.socket.cancel(ignored);  // queued waits complete with operation_aborted
  w.socket.release();        // hiredis closes the descriptor, not Asio
  const std::shared_ptr<Watcher> keep = std::move(w.self);  // the waits may still hold it
}

}  // namespace

bool attach_to_asio(redisAsyncContext* context, asio::io_context& io) {
  if (context->c.fd < 0 || context->ev.data != nullptr) {
    return false;
  }
  auto watcher = std::make_shared<Watcher>(io, context, context->c.fd);
  watcher->self = watcher;
  context->ev.data = watcher.get();
  context->ev.addRead = add_read;
  context->ev.delRead = del_read;
  context->ev.addWrite = add_write;
  context->ev.delWrite = del_write;
  context->ev.cleanup = cleanup;
  return true;
}

}  // namespace proxy::plugins::rate_limiter
