#pragma once

#include <string_view>

namespace proxy::plugins::rate_limiter {

// The key a client is counted under: the core's client key (Connection::client_key(): an
// IPv6 client by its server.ipv6_client_prefix network), with an IPv4-mapped IPv6
// address ("::ffff:10.0.0.1", what a dual-stack listener reports) folded to the IPv4
// address for hosts before ABI 1.2, whose key is the plain client IP.
std::string_view client_key(std::string_view client_ip);

}  // namespace proxy::plugins::rate_limiter
