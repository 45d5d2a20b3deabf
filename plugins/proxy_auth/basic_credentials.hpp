#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace proxy::plugins::proxy_auth {

// Longest Proxy-Authorization value read: "Basic " and the base64 of a 255-byte user name,
// a colon and a password of up to 512 bytes fit in it. Longer ones are refused unread.
inline constexpr std::size_t max_authorization_bytes = 1100;

struct BasicCredentials {
  std::string user;
  std::string password;
};

struct CredentialsParse {
  std::optional<BasicCredentials> credentials;
  std::string problem;  // why there are none; never quotes the header
};

// Reads a Proxy-Authorization value of the Basic scheme (RFC 7617), strictly:
// - the scheme "Basic", any case, then one or more spaces, then the token68;
// - base64 with the standard alphabet, '=' padding to a multiple of 4 and only at the end,
//   unused bits zero: one text decodes one way, nothing is skipped;
// - the decoded user-pass splits at its first ':' (so the user holds none); the user is
//   not empty; neither holds a control character (RFC 7617 forbids them, and a NUL would
//   cut the password short for crypt);
// - at most max_authorization_bytes.
CredentialsParse parse_basic_credentials(std::string_view value);

// Strict base64 (RFC 4648 section 4, padded), as above; nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace proxy::plugins::proxy_auth
