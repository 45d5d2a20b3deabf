#pragma once

#include <chrono>

#include "config/config.hpp"
#include "connection/head_writer.hpp"
#include "connection/timed_socket.hpp"
#include "plugin_host/header_list.hpp"
#include "proxy/sdk/abi.h"

// Small pieces the session's files share. Internal to core/connection.
namespace proxy::core::session_support {

inline constexpr auto no_deadline = Clock::time_point::max();

// A kept-alive upstream connection is reusable only while it is quiet: readable means
// the origin closed it (or sent something unasked), either way it is done.
inline bool idle_and_open(tcp::socket& socket) {
  boost::system::error_code ec;  // non-blocking since it was opened
  char byte = 0;
  socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
  return ec == asio::error::would_block;
}

inline proxy_parse_options parse_options(const config::Config& config) {
  proxy_parse_options options{};
  options.size = sizeof(options);
  options.max_header_bytes = config.limits.max_header_bytes;
  options.max_headers = config.limits.max_headers;
  return options;
}

}  // namespace proxy::core::session_support
