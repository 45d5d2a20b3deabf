#pragma once

#include <string>

#include "asio.hpp"

namespace proxy::core {

// The client as per-client limits count it (max_connections_per_ip, and plugins through
// proxy_conn_info::client_key): an IPv4 address as it is (an IPv4-mapped IPv6 address
// unwrapped), an IPv6 address as its network of `ipv6_prefix` bits in CIDR form, since
// one subscriber holds a whole /64 (or /56, /48) and can rotate through it freely.
std::string client_key(const asio::ip::address& address, unsigned ipv6_prefix);

}  // namespace proxy::core
