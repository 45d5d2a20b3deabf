#include "config/dns_server.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace proxy::config {
namespace {

// The canonical text of an address literal of `family`, or nullopt when it is not one.
std::optional<std::string> canonical(int family, std::string_view text) {
  const std::string literal(text);  // inet_pton needs a NUL-terminated string
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(family, literal.c_str(), bytes.data()) != 1) {
    return std::nullopt;
  }
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (inet_ntop(family, bytes.data(), out.data(), out.size()) == nullptr) {
    return std::nullopt;
  }
  return std::string(out.data());
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<DnsServer> parse_dns_server(std::string_view text) {
  DnsServer server;
  std::string_view host = text;
  std::string_view port;
  int family = AF_INET;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return std::nullopt;
      }
      port = rest.substr(1);
      if (port.empty()) {
        return std::nullopt;
      }
    }
    family = AF_INET6;
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    family = AF_INET6;  // a bare IPv6 literal: every ':' belongs to the address
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) {
      return std::nullopt;
    }
  }
  auto address = canonical(family, host);
  if (!address) {
    return std::nullopt;
  }
  server.address = std::move(*address);
  if (!port.empty()) {
    const auto number = parse_port(port);
    if (!number) {
      return std::nullopt;
    }
    server.port = *number;
  }
  return server;
}

std::string dns_server_text(const DnsServer& server) {
  const bool v6 = server.address.find(':') != std::string::npos;
  return (v6 ? "[" + server.address + "]" : server.address) + ":" + std::to_string(server.port);
}

}  // namespace proxy::config
