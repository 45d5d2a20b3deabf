#pragma once

#include "asio.hpp"
#include "connection/timed_socket.hpp"
#include "proxy_protocol/proxy_header_parser.hpp"

namespace proxy::core {

// How reading a PROXY protocol header ended.
struct ProxyHeaderRead {
  // Not ok: the peer closed, the deadline passed or a read failed before the header was
  // complete; `header` then says need_more.
  IoStatus io = IoStatus::ok;
  proxy_protocol::HeaderResult header;  // io ok: done or invalid
};

// Reads the PROXY protocol header the peer sends first, all of it under `deadline`, and
// not one byte past it: each read asks for no more than the header still needs (exact
// lengths for version 2, up to the CRLF for version 1), so what the client sends next
// (a request head, a TLS ClientHello) is still in the socket for the reader after this.
// Holds at most proxy_protocol::v2_max_bytes meanwhile.
asio::awaitable<ProxyHeaderRead> read_proxy_header(TimedSocket& socket, const Deadline& deadline);

}  // namespace proxy::core
