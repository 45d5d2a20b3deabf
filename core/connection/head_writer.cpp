#include "connection/head_writer.hpp"

#include <algorithm>
#include <array>

#include "plugin_host/header_list.hpp"

namespace proxy::core {
namespace {

constexpr std::string_view via_value = "1.1 proxy-server";

// Via names the protocol version the message was received with (RFC 9110 §7.6.3).
std::string_view via_for(int received_version) {
  return received_version == 10 ? "1.0 proxy-server" : via_value;
}

// Field names compare case-insensitively, without allocating: this runs for every
// header of every message.
bool iequals(std::string_view a, std::string_view b) {
  return host::header_name_equals(a, b);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// Appends the headers that survive hop-by-hop removal, with our Via appended to any Via.
void append_forwarded(std::string& out, const HeaderPairs& headers, std::string_view skip,
                      int received_version) {
  const HopByHop hop(headers);
  std::string via;
  for (const auto& [name, value] : headers) {
    if (hop.contains(name) || (!skip.empty() && iequals(name, skip))) {
      continue;
    }
    if (iequals(name, "via")) {
      via.append(via.empty() ? "" : ", ").append(value);
      continue;
    }
    append_field(out, name, value);
  }
  via.append(via.empty() ? "" : ", ").append(via_for(received_version));
  append_field(out, "Via", via);
}

std::string_view version_text(int version) {
  return version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

}  // namespace

HopByHop::HopByHop(const HeaderPairs& headers) {
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "connection")) {
      continue;
    }
    std::string_view list = value;
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string_view item = trim(list.substr(0, comma));
      if (!item.empty()) {
        named_.push_back(item);
      }
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
}

bool HopByHop::contains(std::string_view name) const {
  static constexpr std::array<std::string_view, 8> fixed = {
      "connection", "proxy-connection", "keep-alive",          "te",
      "trailer",    "upgrade",          "proxy-authorization", "proxy-authenticate"};
  auto same = [name](std::string_view other) { return iequals(name, other); };
  return std::any_of(fixed.begin(), fixed.end(), same) ||
         std::any_of(named_.begin(), named_.end(), same);
}

std::string upstream_request_head(std::string_view method, std::string_view path, int version,
                                  const HeaderPairs& headers, std::string_view host_header) {
  std::string out;
  out.reserve(256 + headers.size() * 48);
  out.append(method).append(" ").append(path).append(" ").append(version_text(version));
  out.append("\r\n");
  append_field(out, "Host", host_header);
  append_forwarded(out, headers, "host", version);
  out.append("\r\n");
  return out;
}

std::string client_response_head(int status, std::string_view reason, int version,
                                 const HeaderPairs& headers, bool close) {
  std::string out;
  out.reserve(256 + headers.size() * 48);
  // The proxy speaks HTTP/1.1 to its clients whatever the origin spoke.
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(reason.empty() ? status_text(status) : reason).append("\r\n");
  append_forwarded(out, headers, {}, version);
  if (close) {
    append_field(out, "Connection", "close");
  }
  out.append("\r\n");
  return out;
}

std::string error_response(int status, std::string_view reason, bool close,
                           const HeaderPairs& extra) {
  std::string body;
  body.append(std::to_string(status)).append(" ").append(status_text(status));
  if (!reason.empty()) {
    body.append(": ").append(reason);
  }
  body.append("\n");
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out.append(status_text(status)).append("\r\n");
  append_field(out, "Content-Type", "text/plain; charset=utf-8");
  append_field(out, "Content-Length", std::to_string(body.size()));
  for (const auto& [name, value] : extra) {
    append_field(out, name, value);
  }
  if (close) {
    append_field(out, "Connection", "close");
  }
  append_field(out, "Via", via_value);
  out.append("\r\n").append(body);
  return out;
}

std::string_view status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

}  // namespace proxy::core
