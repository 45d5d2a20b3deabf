#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace proxy::core {

// Where a request asks to go, from its request-target (RFC 9112 §3.2).
struct RequestTarget {
  enum class Form { origin, absolute, authority };

  Form form = Form::origin;
  std::string host;  // lowercased; IPv6 without brackets
  std::uint16_t port = 0;
  std::string path;  // origin-form path and query ("/" when empty)
};

// Parses the target of a request with `method`: CONNECT takes authority-form
// (host:port); other methods take absolute-form http://host[:port]/path or origin-form
// /path (for the proxy's own endpoints). nullopt for anything else: https:// and other
// schemes in absolute-form, userinfo, bad ports, empty hosts.
std::optional<RequestTarget> parse_request_target(std::string_view method, std::string_view target);

// "host:port" with IPv6 literals bracketed; the port left out when it is `default_port`.
std::string authority(const std::string& host, std::uint16_t port, std::uint16_t default_port);

}  // namespace proxy::core
