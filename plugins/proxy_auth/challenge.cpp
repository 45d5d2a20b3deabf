#include "challenge.hpp"

namespace proxy::plugins::proxy_auth {

std::string challenge_header(std::string_view realm) {
  std::string value = "Basic realm=\"";
  for (const char c : realm) {
    if (c == '"' || c == '\\') {
      value += '\\';
    }
    value += c;
  }
  value += "\", charset=\"UTF-8\"";
  return value;
}

}  // namespace proxy::plugins::proxy_auth
