// The PROXY protocol header a trusted load balancer sends before the client's bytes: the
// client it reports becomes the connection's client for every hook, limit and log line.
#include <spdlog/spdlog.h>

#include "connection/client_key.hpp"
#include "connection/proxy_header_reader.hpp"
#include "connection/session.hpp"

namespace proxy::core {
namespace {

asio::ip::address address_of(const proxy_protocol::Endpoint& endpoint) {
  if (endpoint.is_v6) {
    return asio::ip::address_v6(endpoint.address);
  }
  return asio::ip::address_v4(
      {endpoint.address[0], endpoint.address[1], endpoint.address[2], endpoint.address[3]});
}

const char* io_problem(IoStatus status) {
  switch (status) {
    case IoStatus::closed:
      return "the peer closed before its PROXY header was complete";
    case IoStatus::timed_out:
      return "no complete PROXY header within server.proxy_protocol.timeout";
    case IoStatus::ok:
    case IoStatus::failed:
      break;
  }
  return "reading the PROXY header failed";
}

}  // namespace

void Session::refuse_proxy_protocol(std::string_view why) {
  spdlog::debug("conn {}: closed {}: {}", conn_.id, conn_.client_ip, why);
  context_.registry.counters().proxy_protocol_refused.fetch_add(1, std::memory_order_relaxed);
  close_all();
}

asio::awaitable<bool> Session::receive_proxy_header() {
  waiting_for_request_ = true;  // shutdown closes it like a connection between requests
  const Deadline deadline = Deadline::after(context_.config.server.proxy_protocol.timeout);
  const ProxyHeaderRead read = co_await read_proxy_header(client_, deadline);
  waiting_for_request_ = false;
  if (closed_) {
    co_return false;  // shutdown
  }
  if (read.io != IoStatus::ok) {
    refuse_proxy_protocol(io_problem(read.io));
    co_return false;
  }
  if (read.header.status != proxy_protocol::HeaderStatus::done) {
    refuse_proxy_protocol(read.header.error);
    co_return false;
  }
  conn_.peer_ip = conn_.client_ip;
  // Without a reported client (a LOCAL health check, UNKNOWN) the peer is served as itself.
  if (read.header.proxied) {
    const proxy_protocol::Endpoint& source = read.header.proxied->source;
    client_address_ = address_of(source);
    conn_.client_ip = client_address_.to_string();
    conn_.client_port = source.port;
    conn_.client_key = client_key(client_address_, context_.config.server.ipv6_client_prefix);
  }
  conn_info_ = host::abi_conn_info(conn_);
  co_return admit_client();
}

}  // namespace proxy::core
