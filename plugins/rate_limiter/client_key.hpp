#pragma once

#include <string_view>

namespace proxy::plugins::rate_limiter {

// The key a client is counted under: its IP address as the core reports it, with an
// IPv4-mapped IPv6 address ("::ffff:10.0.0.1", what a dual-stack listener reports)
// folded to the IPv4 address, so one client is one key whichever listener it used.
std::string_view client_key(std::string_view client_ip);

}  // namespace proxy::plugins::rate_limiter
