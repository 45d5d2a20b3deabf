#include "connection/client_key.hpp"

#include <algorithm>

#include "connection/local_addresses.hpp"

namespace proxy::core {

std::string client_key(const asio::ip::address& address, unsigned ipv6_prefix) {
  const asio::ip::address plain = unwrap_v4_mapped(address);
  if (plain.is_v4()) {
    return plain.to_string();
  }
  const unsigned prefix = std::min(ipv6_prefix, 128U);
  auto bytes = plain.to_v6().to_bytes();
  for (unsigned bit = prefix; bit < 128; ++bit) {
    bytes[bit / 8] = static_cast<unsigned char>(bytes[bit / 8] & ~(0x80U >> (bit % 8)));
  }
  return asio::ip::address_v6(bytes).to_string() + "/" + std::to_string(prefix);
}

}  // namespace proxy::core
