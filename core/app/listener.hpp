#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "app/io_pool.hpp"
#include "asio.hpp"

namespace proxy::app {

// Accepts TCP connections and hands each to the next worker's io_context.
//
// @par Thread Safety
// Lives on the context it was created with; stop() must be posted there.
class Listener {
 public:
  // Receives each accepted socket, already bound to worker `worker`'s io_context.
  using Handler = std::function<void(tcp::socket, std::size_t worker)>;

  // Binds and listens at once, so a busy port fails startup. Throws boost::system::system_error.
  Listener(asio::io_context& context, IoPool& pool, const std::string& address, unsigned short port,
           Handler handler);

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start();
  void stop();

 private:
  asio::awaitable<void> accept_loop();

  asio::io_context& context_;
  IoPool& pool_;
  tcp::acceptor acceptor_;
  Handler handler_;
};

}  // namespace proxy::app
