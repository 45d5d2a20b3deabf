#include "client_key.hpp"

namespace proxy::plugins::rate_limiter {

std::string_view client_key(std::string_view client_ip) {
  constexpr std::string_view mapped_prefix = "::ffff:";
  if (client_ip.size() > mapped_prefix.size() && client_ip.starts_with(mapped_prefix) &&
      client_ip.find('.') != std::string_view::npos) {
    client_ip.remove_prefix(mapped_prefix.size());
  }
  return client_ip;
}

}  // namespace proxy::plugins::rate_limiter
