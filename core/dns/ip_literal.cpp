#include "dns/ip_literal.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace proxy::core::dns {

std::optional<asio::ip::address> parse_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  const asio::ip::address literal = asio::ip::make_address(host, ec);
  if (!ec) {
    return literal;
  }
  // inet_aton also takes text after a space; only digits, hex and dots reach it here.
  const bool numeric = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' ||
           c == 'X' || c == '.';
  });
  in_addr parsed{};
  if (numeric && inet_aton(host.c_str(), &parsed) != 0) {
    return asio::ip::address_v4(ntohl(parsed.s_addr));
  }
  return std::nullopt;
}

}  // namespace proxy::core::dns
