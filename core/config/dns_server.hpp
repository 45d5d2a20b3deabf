#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace proxy::config {

// Parses "ip[:port]" as upstream.dns.servers lists it: "192.0.2.1", "192.0.2.1:5353",
// "2001:db8::1" (a bare IPv6 literal takes no port), "[2001:db8::1]" or
// "[2001:db8::1]:5353". The port is 1..65535, 53 when absent. nullopt when malformed.
std::optional<DnsServer> parse_dns_server(std::string_view text);

// "192.0.2.1:53" or "[2001:db8::1]:53": what parse_dns_server reads back to the same server.
std::string dns_server_text(const DnsServer& server);

}  // namespace proxy::config
