#pragma once

#include <string>
#include <string_view>

namespace proxy::plugins::proxy_auth {

// The value of the Proxy-Authenticate header a 407 carries:
//   Basic realm="<realm>", charset="UTF-8"
// with the realm as an HTTP quoted-string ('"' and '\' escaped with '\'). The settings
// refuse realms with control characters, which a quoted-string cannot carry.
std::string challenge_header(std::string_view realm);

}  // namespace proxy::plugins::proxy_auth
