#include "limit_key.hpp"

#include "client_key.hpp"

namespace proxy::plugins::rate_limiter {

std::string ip_limit_key(std::string_view client_key_text) {
  return std::string(client_key(client_key_text));
}

std::string user_limit_key(std::string_view user) {
  constexpr std::string_view prefix = "user:";
  std::string key;
  key.reserve(prefix.size() + user.size());
  key.append(prefix).append(user);
  return key;
}

std::string limit_key_for(std::optional<std::string_view> user, std::string_view client_key_text) {
  if (user && !user->empty()) {
    return user_limit_key(*user);
  }
  return ip_limit_key(client_key_text);
}

}  // namespace proxy::plugins::rate_limiter
