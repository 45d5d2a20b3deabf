#include "base64.hpp"

#include <cstdint>

namespace proxy::plugins::upstream_router {

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t at = 0;
  for (; at + 3 <= bytes.size(); at += 3) {
    const std::uint32_t group =
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 16 |
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8 |
        static_cast<unsigned char>(bytes[at + 2]);
    out.push_back(alphabet[group >> 18 & 0x3F]);
    out.push_back(alphabet[group >> 12 & 0x3F]);
    out.push_back(alphabet[group >> 6 & 0x3F]);
    out.push_back(alphabet[group & 0x3F]);
  }
  const std::size_t rest = bytes.size() - at;
  if (rest > 0) {
    std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 16;
    if (rest == 2) {
      group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8;
    }
    out.push_back(alphabet[group >> 18 & 0x3F]);
    out.push_back(alphabet[group >> 12 & 0x3F]);
    out.push_back(rest == 2 ? alphabet[group >> 6 & 0x3F] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace proxy::plugins::upstream_router
