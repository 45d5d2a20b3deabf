#pragma once

// The one way the core includes Asio. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility>, so it must come first.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace proxy {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
}  // namespace proxy
