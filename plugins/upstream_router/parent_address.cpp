#include "parent_address.hpp"

#include <algorithm>
#include <charconv>

#include "proxy/sdk/abi.h"

namespace proxy::plugins::upstream_router {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool ipv6_char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.';
}

}  // namespace

std::optional<ParentAddress> parse_parent_address(std::string_view text, std::string& why) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    why = "no port";
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
    if (host.empty() || !std::all_of(host.begin(), host.end(), ipv6_char)) {
      why = "the bracketed host is not an IPv6 address";
      return std::nullopt;
    }
  } else if (host.find(':') != std::string_view::npos) {
    why = "an IPv6 address needs brackets: [::1]:3128";
    return std::nullopt;
  } else if (host.empty() || !std::all_of(host.begin(), host.end(), name_char)) {
    why = "the host is not a host name or IPv4 address";
    return std::nullopt;
  }
  if (host.size() > PROXY_PARENT_HOST_MAX) {
    why = "the host is longer than " + std::to_string(PROXY_PARENT_HOST_MAX) + " characters";
    return std::nullopt;
  }
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    why = "the port is not a number from 1 to 65535";
    return std::nullopt;
  }
  return ParentAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace proxy::plugins::upstream_router
