#include "connection/request_target.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace proxy::core {
namespace {

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// host[:port] or [v6][:port]; `default_port` when the port is absent (0: required).
bool parse_authority(std::string_view text, std::uint16_t default_port, RequestTarget& out) {
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      port_text = rest.substr(1);
      has_port = true;
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        })) {
      return false;
    }
  } else {
    const auto colon = text.rfind(':');
    host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char)) {
      return false;
    }
  }
  if (has_port) {
    const auto port = parse_port(port_text);
    if (!port) {
      return false;
    }
    out.port = *port;
  } else if (default_port == 0) {
    return false;
  } else {
    out.port = default_port;
  }
  out.host.assign(host);
  std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return true;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<RequestTarget> parse_request_target(std::string_view method,
                                                  std::string_view target) {
  RequestTarget out;
  if (method == "CONNECT") {
    out.form = RequestTarget::Form::authority;
    if (!parse_authority(target, 0, out)) {
      return std::nullopt;
    }
    return out;
  }
  if (!target.empty() && target.front() == '/') {
    out.form = RequestTarget::Form::origin;
    out.path.assign(target);
    return out;
  }
  constexpr std::string_view scheme = "http://";
  if (!starts_with_nocase(target, scheme)) {
    return std::nullopt;
  }
  const std::string_view rest = target.substr(scheme.size());
  const auto path_start = rest.find_first_of("/?#");
  const std::string_view authority_text = rest.substr(0, path_start);
  if (authority_text.find('@') != std::string_view::npos) {
    return std::nullopt;  // userinfo is deprecated and a phishing vector (RFC 9110 §4.2.4)
  }
  out.form = RequestTarget::Form::absolute;
  if (!parse_authority(authority_text, 80, out)) {
    return std::nullopt;
  }
  std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (const auto fragment = path.find('#'); fragment != std::string_view::npos) {
    path = path.substr(0, fragment);
  }
  out.path = path.empty() || path.front() != '/' ? "/" + std::string(path) : std::string(path);
  return out;
}

std::string authority(const std::string& host, std::uint16_t port, std::uint16_t default_port) {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port) {
    out += ":" + std::to_string(port);
  }
  return out;
}

}  // namespace proxy::core
