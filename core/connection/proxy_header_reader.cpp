#include "connection/proxy_header_reader.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace proxy::core {

asio::awaitable<ProxyHeaderRead> read_proxy_header(TimedSocket& socket, const Deadline& deadline) {
  std::string buffer;
  ProxyHeaderRead read;
  for (;;) {
    read.header = proxy_protocol::parse_proxy_header(
        std::span(reinterpret_cast<const std::uint8_t*>(buffer.data()), buffer.size()));
    if (read.header.status != proxy_protocol::HeaderStatus::need_more) {
      co_return read;
    }
    read.io = co_await socket.read_some(buffer, read.header.bytes, deadline);
    if (read.io != IoStatus::ok) {
      co_return read;
    }
  }
}

}  // namespace proxy::core
