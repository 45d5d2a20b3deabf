#pragma once

#include <hiredis/async.h>

#include "asio.hpp"

namespace proxy::plugins::rate_limiter {

// Drives a hiredis asynchronous context from an Asio io_context: hiredis asks for read
// and write readiness of its socket through the context's `ev` hooks, and the
// io_context's reactor waits for it (Debian's hiredis 0.14 ships adapters for libevent,
// libev and others, none for Asio).
//
// Call right after redisAsyncConnect(), before setting the connect callback (which asks
// for the first write readiness). The socket stays hiredis's: it is never closed here;
// hiredis's cleanup hook (run when the context is freed) detaches the watcher, and a
// wait still queued then completes without touching the freed context.
//
// @par Thread Safety
// Only on the thread that runs `io`, like every call on the context.
// Returns false (nothing attached) when the context has no socket.
bool attach_to_asio(redisAsyncContext* context, asio::io_context& io);

}  // namespace proxy::plugins::rate_limiter
