#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asio.hpp"
#include "config/network.hpp"

namespace proxy::core {

// Where this proxy itself listens: an upstream there would loop back into the proxy
// (and reach its admin endpoints as a loopback client).
struct SelfEndpoint {
  asio::ip::address listen;  // may be unspecified (0.0.0.0 or ::)
  std::uint16_t port = 0;
};

struct UpstreamConnection {
  std::optional<tcp::socket> socket;  // set on success
  int status = 0;                     // else the status to answer: 403, 502 or 504
  std::string reason;
};

// Resolves `host` (asynchronously: Asio's resolver never blocks an io thread), drops
// every address inside `deny` (cloud metadata, link-local: SSRF), and connects to the
// remaining addresses in order, all within `timeout`. An address of the proxy itself
// is refused with 508.
asio::awaitable<UpstreamConnection> connect_upstream(const std::string& host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout,
                                                     const std::vector<config::Network>& deny,
                                                     const SelfEndpoint& self);

}  // namespace proxy::core
