#include "app/listener.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>

namespace proxy::app {
namespace {

constexpr std::chrono::milliseconds accept_retry{50};

}  // namespace

Listener::Listener(asio::io_context& context, IoPool& pool, const std::string& address,
                   unsigned short port, Handler handler)
    : context_(context), pool_(pool), acceptor_(context), handler_(std::move(handler)) {
  const tcp::endpoint endpoint(asio::ip::make_address(address), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::start() {
  asio::co_spawn(
      context_, [this] { return accept_loop(); }, asio::detached);
}

void Listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> Listener::accept_loop() {
  std::uint64_t failures_in_a_row = 0;
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    const std::size_t worker = pool_.next_index();
    tcp::socket socket = co_await acceptor_.async_accept(
        pool_.context(worker), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      co_return;
    }
    if (ec) {
      // Out of descriptors or similar: back off briefly instead of spinning, and say so
      // once per episode, not every 50 ms.
      if (failures_in_a_row++ == 0) {
        spdlog::warn("accept failed: {}; retrying every {} ms until it succeeds", ec.message(),
                     accept_retry.count());
      }
      asio::steady_timer pause(context_, accept_retry);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (failures_in_a_row > 0) {
      spdlog::info("accepting again after {} failed accept(s)", failures_in_a_row);
      failures_in_a_row = 0;
    }
    handler_(std::move(socket), worker);
  }
}

}  // namespace proxy::app
