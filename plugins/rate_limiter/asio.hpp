#pragma once

// The one way this plugin includes Asio. Boost 1.74's Asio headers use std::exchange
// without including <utility>, so it comes first.
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace proxy::plugins::rate_limiter {
namespace asio = boost::asio;
}  // namespace proxy::plugins::rate_limiter
