#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace proxy::plugins::rate_limiter {

// The key a request is counted under, the same for both backends (the Redis one puts
// its prefix before it):
// - a client IP as it is: an IPv4 address, or an IPv6 one or its network; such a key is
//   made of hex digits, '.', ':' and '/' only, and never starts with 'u';
// - a user as "user:" + the name, so that a user named "10.0.0.1" is counted apart from
//   the client 10.0.0.1, whatever bytes the name holds.
// A client IP stays unprefixed so that an IPv4 key fits a std::string's inline buffer
// (see README, Memory).
std::string ip_limit_key(std::string_view client_key);
std::string user_limit_key(std::string_view user);

// The key for key: user: the user when an earlier plugin set one (and it is not empty),
// else the client IP.
std::string limit_key_for(std::optional<std::string_view> user, std::string_view client_key);

}  // namespace proxy::plugins::rate_limiter
