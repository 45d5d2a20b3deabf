#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "asio.hpp"
#include "connection/destination_policy.hpp"

namespace proxy::core {

struct UpstreamConnection {
  std::optional<tcp::socket> socket;  // set on success
  int status = 0;                     // else the status to answer: 403, 502, 504 or 508
  std::string reason;
};

struct ConnectOptions {
  std::chrono::milliseconds timeout{10000};  // timeouts.connect: lookup and race together
  std::chrono::milliseconds happy_eyeballs_delay{250};  // upstream.happy_eyeballs_delay_ms
  // The host is a parent proxy the operator configured: its addresses may be anywhere
  // (on loopback too), so only the loop guard (508) applies to them.
  bool parent = false;
};

// Resolves `host` with the calling worker's dns::Resolver unless it is an address literal
// (502 when the name has no address, 504 when the lookup times out), judges every address
// with `policy` for `client` before dialling any (a loop is refused with 508, a denied or
// local address is skipped: 403 when none is left), and races connections to the rest
// (IPv6 and IPv4 interleaved, RFC 8305: race_connect), all within `options.timeout`.
asio::awaitable<UpstreamConnection> connect_upstream(const std::string& host, std::uint16_t port,
                                                     const ConnectOptions& options,
                                                     const DestinationPolicy& policy,
                                                     const asio::ip::address& client);

// A target reached through a parent is resolved by the parent, under its own policy; an
// IP-literal target is still judged here as connect_upstream would judge it, so a client
// cannot name a denied network or this host's loopback just by going through a parent.
// The refusal (403 or 508), or nullopt for a target named by a host name or allowed.
std::optional<UpstreamConnection> refuse_literal_target(const std::string& host, std::uint16_t port,
                                                        const DestinationPolicy& policy,
                                                        const asio::ip::address& client);

}  // namespace proxy::core
