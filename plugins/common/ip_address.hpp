#pragma once

#include <optional>
#include <string_view>

#include "proxy/sdk/network.hpp"

namespace proxy::plugins::common {

// The SDK's address type and strict literal parser (proxy/sdk/network.hpp), under the
// names the plugins have always used.
using sdk::IpAddress;
using sdk::parse_ip_literal;

// The address a resolver would take `host` for without asking DNS, as the upstream
// connector's getaddrinfo does: IPv6 with or without brackets, and every IPv4 form
// inet_aton accepts ("127.0.0.1", "127.1", "0x7f.0.0.1", "2130706433"). Matching on this
// rather than on the text keeps an address rule from being sidestepped by another
// spelling. An IPv4-mapped IPv6 address is folded to its IPv4 address. nullopt when the
// host is a name.
std::optional<IpAddress> parse_numeric_host(std::string_view host);

}  // namespace proxy::plugins::common
