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

inline proxy_parse_options parse_options(const config::Config& config) {
  proxy_parse_options options{};
  options.size = sizeof(options);
  options.max_header_bytes = config.limits.max_header_bytes;
  options.max_headers = config.limits.max_headers;
  return options;
}

}  // namespace proxy::core::session_support
