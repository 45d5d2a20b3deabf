#pragma once

#include <ares.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "asio.hpp"
#include "config/config.hpp"

namespace proxy::core::dns {

// One c-ares channel driven by one io_context, without a thread of its own: the sockets
// c-ares opens are watched with Asio descriptors (readiness runs ares_process_fd on that
// socket) and its retransmissions with a steady_timer set from ares_timeout. Nothing
// blocks: c-ares sockets are non-blocking and /etc/resolv.conf is read once, here.
//
// @par Thread Safety
// Used only from the thread running its io_context (after construction, which may happen
// on another thread before that one starts).
class AresChannel {
 public:
  // Reads /etc/resolv.conf unless `settings.servers` names the servers. Throws
  // std::runtime_error when c-ares cannot start.
  AresChannel(const asio::any_io_executor& executor, const config::DnsConfig& settings);
  // Ends the lookups still pending: their callbacks run now, with ARES_EDESTRUCTION.
  ~AresChannel();
  AresChannel(const AresChannel&) = delete;
  AresChannel& operator=(const AresChannel&) = delete;

  // Looks up the IPv6 and IPv4 addresses of `name` (/etc/hosts first, then DNS; both
  // questions asked at once). `callback(arg, ...)` runs exactly once on this thread, maybe
  // before lookup returns (an answer from /etc/hosts); it must free the result.
  void lookup(const std::string& name, ares_addrinfo_callback callback, void* arg);

 private:
  struct Watch;

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  void update_watch(ares_socket_t fd, bool readable, bool writable);
  void arm(const std::shared_ptr<Watch>& watch);
  void on_ready(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec,
                bool readable);
  void process(ares_socket_t read_fd, ares_socket_t write_fd);
  void schedule_timeouts();

  asio::any_io_executor executor_;
  asio::steady_timer timer_;
  std::unordered_map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  ares_channel channel_ = nullptr;
};

}  // namespace proxy::core::dns
