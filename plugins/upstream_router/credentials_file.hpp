#pragma once

#include <cstddef>
#include <string>

namespace proxy::plugins::upstream_router {

// The most a credentials file may hold: its Basic value must fit in what the core sends
// a parent (PROXY_PARENT_AUTHORIZATION_MAX, with "Basic " and base64's growth).
inline constexpr std::size_t max_credentials_bytes = 512;

struct ParentCredentials {
  std::string authorization;        // "Basic " + base64(user:password)
  bool readable_by_others = false;  // the file's mode lets any user read it
};

// Reads a parent's credentials file: one line "user:password" (a final newline, LF or
// CRLF, is allowed), the user not empty and neither part holding a control character,
// sent as Basic credentials (RFC 7617). Throws std::runtime_error saying what is wrong
// with the file; the message never quotes what the file holds.
ParentCredentials read_credentials_file(const std::string& path);

}  // namespace proxy::plugins::upstream_router
