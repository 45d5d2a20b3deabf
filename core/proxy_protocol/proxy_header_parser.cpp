#include "proxy_protocol/proxy_header_parser.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <initializer_list>

namespace proxy::proxy_protocol {
namespace {

constexpr std::array<std::uint8_t, 12> v2_signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                       0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::string_view v1_prefix = "PROXY ";
// The shortest lines of each kind, CRLF included: no valid header ends sooner, so reading
// up to them never passes its end.
constexpr std::size_t v1_min_unknown = 15;  // "PROXY UNKNOWN\r\n"
constexpr std::size_t v1_min_tcp4 = 32;     // "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"
constexpr std::size_t v1_min_tcp6 = 22;     // "PROXY TCP6 :: :: 0 0\r\n"

// v2 command (low nibble of byte 13).
constexpr std::uint8_t command_local = 0x0;
constexpr std::uint8_t command_proxy = 0x1;
// v2 family and protocol (byte 14): the combinations the specification lists.
constexpr std::uint8_t unspec = 0x00;
constexpr std::uint8_t tcp4 = 0x11;
constexpr std::uint8_t udp4 = 0x12;
constexpr std::uint8_t tcp6 = 0x21;
constexpr std::uint8_t udp6 = 0x22;
constexpr std::uint8_t unix_stream = 0x31;
constexpr std::uint8_t unix_dgram = 0x32;

HeaderResult need(std::size_t bytes, int version) {
  HeaderResult result;
  result.bytes = bytes;
  result.version = version;
  return result;
}

HeaderResult invalid(std::string_view error) {
  HeaderResult result;
  result.status = HeaderStatus::invalid;
  result.error = error;
  return result;
}

HeaderResult done(std::size_t bytes, int version, std::optional<ProxiedConnection> proxied) {
  HeaderResult result;
  result.status = HeaderStatus::done;
  result.bytes = bytes;
  result.version = version;
  result.proxied = proxied;
  return result;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Decimal 0..max without a sign or leading zeros ("0" itself is fine).
std::optional<unsigned> parse_decimal(std::string_view text, unsigned max_digits, unsigned max) {
  if (text.empty() || text.size() > max_digits ||
      !std::all_of(text.begin(), text.end(), is_digit) || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (const char c : text) {
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) {
    return std::nullopt;
  }
  return value;
}

// Exactly four decimal numbers 0..255 joined by single dots, no leading zeros.
bool parse_v1_ipv4(std::string_view text, Endpoint& out) {
  for (std::size_t part = 0; part < 4; ++part) {
    const std::size_t dot = text.find('.');
    const bool last = part == 3;
    if (last != (dot == std::string_view::npos)) {
      return false;
    }
    const auto value = parse_decimal(text.substr(0, dot), 3, 255);
    if (!value) {
      return false;
    }
    out.address[part] = static_cast<std::uint8_t>(*value);
    text = last ? std::string_view() : text.substr(dot + 1);
  }
  out.is_v6 = false;
  return true;
}

// Hex groups and colons as inet_pton reads them; the dotted IPv4 tail of a mapped address
// ("::ffff:192.0.2.1") is accepted, since that is how senders write an IPv4 client they
// report in a TCP6 line. No zone index, no brackets.
bool parse_v1_ipv6(std::string_view text, Endpoint& out) {
  std::array<char, 46> literal{};  // INET6_ADDRSTRLEN
  if (text.empty() || text.size() >= literal.size() ||
      !std::all_of(text.begin(), text.end(),
                   [](char c) { return is_hex_digit(c) || c == ':' || c == '.'; })) {
    return false;
  }
  std::copy(text.begin(), text.end(), literal.begin());
  if (inet_pton(AF_INET6, literal.data(), out.address.data()) != 1) {
    return false;
  }
  out.is_v6 = true;
  return true;
}

bool parse_v1_port(std::string_view text, Endpoint& out) {
  const auto value = parse_decimal(text, 5, 65535);
  if (!value) {
    return false;
  }
  out.port = static_cast<std::uint16_t>(*value);
  return true;
}

// `line` is the whole line without its CRLF; `length` counts the CRLF too.
HeaderResult parse_v1_line(std::string_view line, std::size_t length) {
  std::string_view rest = line.substr(v1_prefix.size());
  // For UNKNOWN the sender may say more; the receiver ignores it (section 2.1).
  if (rest == "UNKNOWN" || rest.starts_with("UNKNOWN ")) {
    return done(length, 1, std::nullopt);
  }
  const bool is_v6 = rest.starts_with("TCP6 ");
  if (!is_v6 && !rest.starts_with("TCP4 ")) {
    return invalid("version 1: the protocol is not TCP4, TCP6 or UNKNOWN");
  }
  rest.remove_prefix(5);
  std::array<std::string_view, 4> fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t space = rest.find(' ');
    const bool last = i + 1 == fields.size();
    if (last != (space == std::string_view::npos)) {
      return invalid("version 1: expected exactly four fields after the protocol");
    }
    fields[i] = rest.substr(0, space);
    rest = last ? std::string_view() : rest.substr(space + 1);
  }
  ProxiedConnection proxied;
  const auto parse_address = is_v6 ? parse_v1_ipv6 : parse_v1_ipv4;
  if (!parse_address(fields[0], proxied.source)) {
    return invalid("version 1: the source address is not a valid address of the family");
  }
  if (!parse_address(fields[1], proxied.destination)) {
    return invalid("version 1: the destination address is not a valid address of the family");
  }
  if (!parse_v1_port(fields[2], proxied.source) || !parse_v1_port(fields[3], proxied.destination)) {
    return invalid("version 1: a port is not a number in 0..65535 without leading zeros");
  }
  return done(length, 1, proxied);
}

HeaderResult parse_v1(std::string_view text) {
  const std::size_t n = text.size();
  const std::size_t shown = std::min(n, v1_prefix.size());
  if (text.substr(0, shown) != v1_prefix.substr(0, shown)) {
    return invalid("not a PROXY protocol header");
  }
  // The protocol word, as far as it came: refused as soon as it cannot be one.
  const std::string_view word = n > v1_prefix.size() ? text.substr(v1_prefix.size(), 8) : "";
  const auto begins = [&](std::string_view candidate) {
    const std::size_t m = std::min(word.size(), candidate.size());
    return word.substr(0, m) == candidate.substr(0, m);
  };
  if (!begins("TCP4 ") && !begins("TCP6 ") && !begins("UNKNOWN ") && !begins("UNKNOWN\r")) {
    return invalid("version 1: the protocol is not TCP4, TCP6 or UNKNOWN");
  }
  const std::size_t scan = std::min(n, v1_max_bytes);
  for (std::size_t i = 0; i < scan; ++i) {
    if (text[i] == '\n') {
      return invalid("version 1: LF without CR before it");
    }
    if (text[i] != '\r') {
      continue;
    }
    if (i + 1 == n) {
      break;  // the LF may be next
    }
    if (text[i + 1] != '\n') {
      return invalid("version 1: CR without LF after it");
    }
    if (i + 2 > v1_max_bytes) {
      break;
    }
    return parse_v1_line(text.substr(0, i), i + 2);
  }
  if (n >= v1_max_bytes) {
    return invalid("version 1: no CRLF within the first 107 bytes");
  }
  std::size_t shortest = v1_min_unknown;
  if (word.starts_with("TCP4 ")) {
    shortest = v1_min_tcp4;
  } else if (word.starts_with("TCP6 ")) {
    shortest = v1_min_tcp6;
  }
  // A CR last can only be the line's end: one byte. Otherwise the CRLF is still to come.
  std::size_t more = n > 0 && text[n - 1] == '\r' ? 1 : 2;
  if (shortest > n) {
    more = std::max(more, shortest - n);
  }
  return need(std::min(more, v1_max_bytes - n), 1);
}

// The TLVs after the addresses must tile the rest of the header exactly; their contents
// are skipped (none changes who the client is).
bool tlvs_fit(std::span<const std::uint8_t> rest) {
  while (!rest.empty()) {
    if (rest.size() < 3) {
      return false;
    }
    const std::size_t length = static_cast<std::size_t>(rest[1]) << 8 | rest[2];
    if (rest.size() - 3 < length) {
      return false;
    }
    rest = rest.subspan(3 + length);
  }
  return true;
}

Endpoint v2_endpoint(std::span<const std::uint8_t> address, std::span<const std::uint8_t> port) {
  Endpoint endpoint;
  endpoint.is_v6 = address.size() == 16;
  std::copy(address.begin(), address.end(), endpoint.address.begin());
  endpoint.port = static_cast<std::uint16_t>(port[0] << 8 | port[1]);
  return endpoint;
}

HeaderResult parse_v2(std::span<const std::uint8_t> bytes) {
  const std::size_t n = bytes.size();
  const std::size_t shown = std::min(n, v2_signature.size());
  if (!std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(shown),
                  v2_signature.begin())) {
    return invalid("not a PROXY protocol header");
  }
  bool local = false;
  if (n > 12) {
    if ((bytes[12] >> 4) != 2) {
      return invalid("version 2: the version nibble is not 2");
    }
    const std::uint8_t command = bytes[12] & 0x0F;
    if (command != command_local && command != command_proxy) {
      return invalid("version 2: the command is neither LOCAL nor PROXY");
    }
    local = command == command_local;
  }
  // LOCAL ignores the family; for PROXY it must be one the specification lists.
  std::size_t address_bytes = 0;
  if (n > 13 && !local) {
    switch (bytes[13]) {
      case unspec:
        break;
      case tcp4:
      case udp4:
        address_bytes = 12;
        break;
      case tcp6:
      case udp6:
        address_bytes = 36;
        break;
      case unix_stream:
      case unix_dgram:
        address_bytes = 216;
        break;
      default:
        return invalid("version 2: unknown address family or transport protocol");
    }
  }
  if (n < v2_fixed_bytes) {
    return need(v2_fixed_bytes - n, 2);
  }
  const std::size_t length = static_cast<std::size_t>(bytes[14]) << 8 | bytes[15];
  if (length > v2_max_payload) {
    return invalid("version 2: the header is longer than this receiver takes (2064 bytes)");
  }
  if (length < address_bytes) {
    return invalid("version 2: the length leaves no room for the addresses of the family");
  }
  const std::size_t total = v2_fixed_bytes + length;
  if (n < total) {
    return need(total - n, 2);
  }
  if (local) {
    return done(total, 2, std::nullopt);  // a health check: the block is discarded
  }
  const auto payload = bytes.subspan(v2_fixed_bytes, length);
  if (bytes[13] != unspec && !tlvs_fit(payload.subspan(address_bytes))) {
    return invalid("version 2: a TLV does not fit in the header");
  }
  // TCP over IPv4 or IPv6 names the client. UNSPEC, and the combinations a TCP listener
  // does not take a client from (UDP, AF_UNIX), fall back to the connection's own
  // endpoints, as the specification asks of a receiver that does not support them.
  if (bytes[13] != tcp4 && bytes[13] != tcp6) {
    return done(total, 2, std::nullopt);
  }
  const std::size_t size = bytes[13] == tcp4 ? 4 : 16;
  ProxiedConnection proxied;
  proxied.source = v2_endpoint(payload.subspan(0, size), payload.subspan(2 * size, 2));
  proxied.destination = v2_endpoint(payload.subspan(size, size), payload.subspan(2 * size + 2, 2));
  return done(total, 2, proxied);
}

}  // namespace

HeaderResult parse_proxy_header(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) {
    return need(v1_min_unknown, 0);  // the shortest header of either version
  }
  if (bytes[0] == v2_signature[0]) {
    return parse_v2(bytes);
  }
  return parse_v1(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace proxy::proxy_protocol
