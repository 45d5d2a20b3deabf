#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace proxy::plugins::upstream_router {

// A parent's `address` setting: "host:port" or "[ipv6]:port".
struct ParentAddress {
  std::string host;  // a host name or IP address, IPv6 without brackets
  std::uint16_t port = 0;
};

// nullopt with `why` set when `text` is not a host and a port from 1 to 65535. The host
// is held to what the core accepts for a parent (abi.h, proxy_parent): letters, digits,
// '.', '-' and '_' for a name, or an IPv6 address in brackets.
std::optional<ParentAddress> parse_parent_address(std::string_view text, std::string& why);

}  // namespace proxy::plugins::upstream_router
