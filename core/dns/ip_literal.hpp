#pragma once

#include <optional>
#include <string>

#include "asio.hpp"

namespace proxy::core::dns {

// The address an upstream host spells, when it is one, so it needs no lookup: an IPv4 or
// IPv6 literal, or one of the other numeric IPv4 spellings getaddrinfo takes
// ("127.1", "2130706433", "0x7f.0.0.1"), which are not names a name server should be
// asked about. nullopt for a host name.
std::optional<asio::ip::address> parse_ip_literal(const std::string& host);

}  // namespace proxy::core::dns
