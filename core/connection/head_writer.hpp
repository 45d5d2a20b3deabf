#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace proxy::core {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// True for hop-by-hop fields a proxy must not forward (RFC 9110 §7.6.1): Connection
// and the fields it names, Proxy-Connection, Keep-Alive, TE, Trailer, Upgrade,
// Proxy-Authorization and Proxy-Authenticate. Transfer-Encoding stays: bodies are
// relayed with their framing as received. Borrows `headers`: keep them alive.
class HopByHop {
 public:
  explicit HopByHop(const HeaderPairs& headers);
  bool contains(std::string_view name) const;

 private:
  std::vector<std::string_view> named_;  // names listed in Connection; views into `headers`
};

// The request head sent upstream: origin-form target, Host from the absolute URI,
// hop-by-hop fields removed, Via appended.
std::string upstream_request_head(std::string_view method, std::string_view path, int version,
                                  const HeaderPairs& headers, std::string_view host_header);

// The response head sent to the client: hop-by-hop fields removed, Via appended (naming
// the origin's `version`), and Connection: close when the proxy will close after it.
std::string client_response_head(int status, std::string_view reason, int version,
                                 const HeaderPairs& headers, bool close);

// A short response the proxy makes itself (400, 403, 502 ...) with a text body.
std::string error_response(int status, std::string_view reason, bool close,
                           const HeaderPairs& extra = {});

// The standard reason phrase of a status the proxy uses.
std::string_view status_text(int status);

}  // namespace proxy::core
