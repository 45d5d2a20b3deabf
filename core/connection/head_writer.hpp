#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_host/header_list.hpp"
#include "proxy/sdk/abi.h"

namespace proxy::core {

// What the peer sent that decides how the head the proxy writes is framed and which
// connection options leave it: taken from the fields as received, before any hook
// edits them, so the framing on the wire is always the framing the proxy relays and a
// plugin's edit of Content-Length or Transfer-Encoding cannot desynchronise it.
struct ReceivedHead {
  proxy_body_kind body = PROXY_BODY_NONE;
  std::uint64_t content_length = 0;  // for PROXY_BODY_CONTENT_LENGTH
  int version = 11;                  // 10 or 11
  std::string codings;               // the Transfer-Encoding values, joined with ", "
  std::optional<std::string> content_length_field;  // the Content-Length value as received
  // The options Connection names, except framing fields and Host (written by the proxy).
  std::vector<std::string> connection_options;
};

ReceivedHead received_head(const host::HeaderList& fields, proxy_body_kind body,
                           std::uint64_t content_length, int version = 11);

// True when a Connection field nominates Content-Length, Transfer-Encoding or Host: as
// connection options they would be removed, and the message downstream would be framed
// (or addressed) differently from what the proxy parsed. Requests doing it get a 400.
bool connection_nominates_framing(const host::HeaderList& fields);

// True for hop-by-hop fields a proxy must not forward (RFC 9110 §7.6.1): Connection
// and the fields it names, Proxy-Connection, Keep-Alive, TE, Trailer, Upgrade,
// Proxy-Authorization and Proxy-Authenticate. Borrows `received`.
class HopByHop {
 public:
  explicit HopByHop(const ReceivedHead& received) : named_(received.connection_options) {}
  bool contains(std::string_view name) const;

 private:
  const std::vector<std::string>& named_;
};

// The request head sent upstream: `target` (origin-form to an origin, absolute-form to a
// parent proxy), Host from the absolute URI, hop-by-hop fields removed (the client's
// Proxy-Authorization among them), the received framing, Via appended; with `upgrade`
// (the protocols offered_upgrade let through), Upgrade and Connection: upgrade too; with
// `proxy_authorization` (a parent's credentials), that Proxy-Authorization.
std::string upstream_request_head(std::string_view method, std::string_view target,
                                  const host::HeaderList& fields, const ReceivedHead& received,
                                  std::string_view host_header, std::string_view upgrade = {},
                                  std::string_view proxy_authorization = {});

// The CONNECT head asking a parent proxy for a tunnel to `authority` (host:port), with
// `proxy_authorization` when not empty.
std::string parent_connect_head(std::string_view authority, std::string_view proxy_authorization);

struct ResponseHeadOptions {
  bool response_to_head = false;  // the request was HEAD: framing fields describe a GET
  bool close = false;             // the proxy closes the client connection after it
  std::string_view upgrade;       // a 101's protocol: Upgrade and Connection: upgrade
};

// The response head sent to the client: hop-by-hop fields removed, the received framing
// (none on 1xx and 204; Content-Length only on 304), Via appended (naming the origin's
// version), and Connection: close when the proxy will close after it.
std::string client_response_head(int status, std::string_view reason,
                                 const host::HeaderList& fields, const ReceivedHead& received,
                                 ResponseHeadOptions options);

// A short response the proxy makes itself (400, 403, 502 ...) with a text body.
std::string error_response(int status, std::string_view reason, bool close,
                           const host::HeaderList& extra = {});

// The standard reason phrase of a status (RFC 9110 §15); "Unknown" for one it has none for.
std::string_view status_text(int status);

}  // namespace proxy::core
