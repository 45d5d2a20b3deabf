#include "ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace proxy::plugins::common {
namespace {

// inet_aton wants a NUL-terminated string. Every real literal fits the
// stack buffer; a longer text is copied so that no spelling escapes the parse.
template <class Fn>
auto with_c_string(std::string_view text, Fn&& fn) {
  constexpr std::size_t stack_size = 64;
  if (text.size() < stack_size) {
    char buffer[stack_size];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    return fn(static_cast<const char*>(buffer));
  }
  const std::string copy(text);
  return fn(copy.c_str());
}

bool is_inet_aton_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' ||
         c == 'X' || c == '.';
}

}  // namespace

std::optional<IpAddress> parse_numeric_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    return std::nullopt;
  }
  std::optional<IpAddress> address;
  if (host.find(':') != std::string_view::npos) {
    address = parse_ip_literal(host);
    if (address && address->is_v4_mapped()) {
      address = address->mapped_v4();
    }
    return address;
  }
  // inet_aton stops at the first space and ignores the rest, so only hand it text made
  // of the characters its numeric forms use.
  if (!std::all_of(host.begin(), host.end(), is_inet_aton_char)) {
    return std::nullopt;
  }
  return with_c_string(host, [](const char* c_text) -> std::optional<IpAddress> {
    in_addr parsed{};
    if (inet_aton(c_text, &parsed) == 0) {
      return std::nullopt;
    }
    IpAddress v4;
    std::memcpy(v4.bytes.data(), &parsed.s_addr, 4);
    return v4;
  });
}

}  // namespace proxy::plugins::common
