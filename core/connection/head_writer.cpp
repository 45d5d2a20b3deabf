#include "connection/head_writer.hpp"

#include <algorithm>
#include <array>

#include "connection/field_list.hpp"
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

bool is_framing_or_host(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "host");
}

// Calls fn(option) for each element of every Connection field.
template <class Fn>
void for_each_connection_option(const host::HeaderList& fields, Fn fn) {
  for (const auto& [name, value] : fields.fields()) {
    if (!iequals(name, "connection")) {
      continue;
    }
    for_each_list_item(value, fn);
  }
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

bool ends_with_chunked(std::string_view codings) {
  const auto comma = codings.rfind(',');
  const std::string_view last =
      trim_ows(comma == std::string_view::npos ? codings : codings.substr(comma + 1));
  return iequals(last, "chunked");
}

// The framing fields for a body relayed as `received` says it is framed.
void append_body_framing(std::string& out, const ReceivedHead& received) {
  switch (received.body) {
    case PROXY_BODY_CONTENT_LENGTH:
      append_field(out, "Content-Length", std::to_string(received.content_length));
      return;
    case PROXY_BODY_CHUNKED: {
      // The codings as received (the bytes are relayed coded as they came); chunked
      // whatever a lax parser let through, since that is how the proxy delimits the body.
      const std::string& codings = received.codings;
      append_field(out, "Transfer-Encoding", ends_with_chunked(codings) ? codings : "chunked");
      return;
    }
    case PROXY_BODY_UNTIL_CLOSE: {
      // A response delimited by the close; its codings (say gzip) still apply to the bytes.
      if (!received.codings.empty() && !ends_with_chunked(received.codings)) {
        append_field(out, "Transfer-Encoding", received.codings);
      }
      return;
    }
    case PROXY_BODY_NONE:
      // An empty body that said so ("Content-Length: 0", which some origins require).
      if (received.content_length_field) {
        append_field(out, "Content-Length", "0");
      }
      return;
  }
}

// Framing fields that describe no body of this message: a 304's and a HEAD response's
// Content-Length (and a HEAD response's Transfer-Encoding) describe what a GET would get.
void append_descriptive_framing(std::string& out, const ReceivedHead& received, bool keep_codings) {
  if (received.content_length_field) {
    append_field(out, "Content-Length", trim_ows(*received.content_length_field));
  }
  if (keep_codings && !received.codings.empty()) {
    append_field(out, "Transfer-Encoding", received.codings);
  }
}

// Appends the fields that survive hop-by-hop removal, except Host and the framing fields
// (the caller writes those), and our Via appended to any Via.
void append_forwarded(std::string& out, const host::HeaderList& fields, const HopByHop& hop,
                      int received_version) {
  std::string via;
  for (const auto& [name, value] : fields.fields()) {
    if (hop.contains(name) || is_framing_or_host(name)) {
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

// Upgrade is hop-by-hop: it crosses only as the proxy writes it again, with the
// Connection option that makes it one.
void append_upgrade(std::string& out, std::string_view upgrade) {
  if (!upgrade.empty()) {
    append_field(out, "Connection", "upgrade");
    append_field(out, "Upgrade", upgrade);
  }
}

std::string_view version_text(int version) {
  return version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

}  // namespace

ReceivedHead received_head(const host::HeaderList& fields, proxy_body_kind body,
                           std::uint64_t content_length, int version) {
  ReceivedHead received{body, content_length, version, {}, {}, {}};
  for (const auto& [name, value] : fields.fields()) {
    if (iequals(name, "transfer-encoding")) {
      received.codings.append(received.codings.empty() ? "" : ", ").append(trim_ows(value));
    } else if (iequals(name, "content-length") && !received.content_length_field) {
      received.content_length_field = value;
    }
  }
  for_each_connection_option(fields, [&](std::string_view option) {
    if (!is_framing_or_host(option)) {
      received.connection_options.emplace_back(option);
    }
  });
  return received;
}

bool connection_nominates_framing(const host::HeaderList& fields) {
  bool nominated = false;
  for_each_connection_option(fields, [&](std::string_view option) {
    nominated = nominated || is_framing_or_host(option);
  });
  return nominated;
}

bool HopByHop::contains(std::string_view name) const {
  static constexpr std::array<std::string_view, 8> fixed = {
      "connection", "proxy-connection", "keep-alive",          "te",
      "trailer",    "upgrade",          "proxy-authorization", "proxy-authenticate"};
  auto same = [name](std::string_view other) { return iequals(name, other); };
  return std::any_of(fixed.begin(), fixed.end(), same) ||
         std::any_of(named_.begin(), named_.end(), same);
}

std::string upstream_request_head(std::string_view method, std::string_view target,
                                  const host::HeaderList& fields, const ReceivedHead& received,
                                  std::string_view host_header, std::string_view upgrade,
                                  std::string_view proxy_authorization) {
  std::string out;
  out.reserve(256 + fields.size() * 48);
  const int version = std::min(received.version, 11);
  out.append(method).append(" ").append(target).append(" ").append(version_text(version));
  out.append("\r\n");
  append_field(out, "Host", host_header);
  if (!proxy_authorization.empty()) {
    append_field(out, "Proxy-Authorization", proxy_authorization);
  }
  append_forwarded(out, fields, HopByHop(received), version);
  append_body_framing(out, received);
  append_upgrade(out, upgrade);
  out.append("\r\n");
  return out;
}

std::string parent_connect_head(std::string_view authority, std::string_view proxy_authorization) {
  std::string out;
  out.append("CONNECT ").append(authority).append(" HTTP/1.1\r\n");
  append_field(out, "Host", authority);
  if (!proxy_authorization.empty()) {
    append_field(out, "Proxy-Authorization", proxy_authorization);
  }
  append_field(out, "Via", via_value);
  out.append("\r\n");
  return out;
}

std::string client_response_head(int status, std::string_view reason,
                                 const host::HeaderList& fields, const ReceivedHead& received,
                                 ResponseHeadOptions options) {
  std::string out;
  out.reserve(256 + fields.size() * 48);
  // The proxy speaks HTTP/1.1 to its clients whatever the origin spoke.
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(reason.empty() ? status_text(status) : reason).append("\r\n");
  append_forwarded(out, fields, HopByHop(received), received.version);
  const bool interim = status >= 100 && status < 200;
  if (interim || status == 204) {
    // These never have a body, and must not claim a framing (RFC 9110 §8.6, RFC 9112 §6.1).
  } else if (status == 304 || options.response_to_head) {
    append_descriptive_framing(out, received, options.response_to_head && status != 304);
  } else {
    append_body_framing(out, received);
  }
  if (options.close) {
    append_field(out, "Connection", "close");
  }
  append_upgrade(out, options.upgrade);
  out.append("\r\n");
  return out;
}

std::string error_response(int status, std::string_view reason, bool close,
                           const host::HeaderList& extra) {
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
  for (const auto& [name, value] : extra.fields()) {
    append_field(out, name, value);
  }
  if (close) {
    append_field(out, "Connection", "close");
  }
  append_field(out, "Via", via_value);
  out.append("\r\n").append(body);
  return out;
}

}  // namespace proxy::core
