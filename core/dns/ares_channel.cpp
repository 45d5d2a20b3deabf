#include "dns/ares_channel.hpp"

#include <algorithm>
#include <stdexcept>

// After asio.hpp (through ares_channel.hpp), which must come first.
#include <boost/asio/posix/stream_descriptor.hpp>

#include "config/dns_server.hpp"
#include "dns/ares_library.hpp"

namespace proxy::core::dns {

// A socket c-ares asked to be watched. The descriptor does not own the socket: c-ares
// closes it, after telling on_socket_state, which releases it first.
struct AresChannel::Watch {
  Watch(const asio::any_io_executor& executor, ares_socket_t fd) : fd(fd), descriptor(executor) {}

  ares_socket_t fd;
  asio::posix::stream_descriptor descriptor;
  bool want_read = false;
  bool want_write = false;
  bool reading = false;  // a wait is pending
  bool writing = false;
  bool closed = false;
};

namespace {

// Retransmissions within upstream.dns.timeout: c-ares waits a try's timeout, then doubles
// it, so two tries of a third of the timeout each end near it (with one server; the
// Resolver's own deadline ends the lookup at the timeout whatever c-ares does).
constexpr int kTries = 2;

}  // namespace

AresChannel::AresChannel(const asio::any_io_executor& executor, const config::DnsConfig& settings)
    : executor_(executor), timer_(executor) {
  ensure_ares_library();
  ares_options options{};
  options.sock_state_cb = &AresChannel::on_socket_state;
  options.sock_state_cb_data = this;
  options.timeout = static_cast<int>(std::max<long long>(settings.timeout.count() / 3, 50));
  options.tries = kTries;
  char lookups[] = "fb";  // /etc/hosts, then DNS, whatever nsswitch.conf says
  options.lookups = lookups;
  const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
  int status = ares_init_options(&channel_, &options, mask);
  if (status != ARES_SUCCESS) {
    channel_ = nullptr;
    throw std::runtime_error(std::string("cannot start the DNS resolver: ") +
                             ares_strerror(status));
  }
  if (!settings.servers.empty()) {
    std::string csv;
    for (const config::DnsServer& server : settings.servers) {
      csv += (csv.empty() ? "" : ",") + config::dns_server_text(server);
    }
    status = ares_set_servers_ports_csv(channel_, csv.c_str());
    if (status != ARES_SUCCESS) {
      ares_destroy(channel_);
      channel_ = nullptr;
      throw std::runtime_error("cannot use upstream.dns.servers " + csv + ": " +
                               ares_strerror(status));
    }
  }
}

AresChannel::~AresChannel() {
  if (channel_ != nullptr) {
    ares_destroy(channel_);  // closes its sockets through on_socket_state
  }
  for (auto& [fd, watch] : watches_) {
    watch->closed = true;
    watch->descriptor.release();
  }
  try {
    timer_.cancel();
  } catch (...) {
    // Nothing waits on it any more: the io thread has stopped or the channel is going.
  }
}

void AresChannel::lookup(const std::string& name, ares_addrinfo_callback callback, void* arg) {
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = ARES_AI_NOSORT;  // the connector orders the addresses itself
  ares_getaddrinfo(channel_, name.c_str(), nullptr, &hints, callback, arg);
  schedule_timeouts();
}

void AresChannel::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  try {
    static_cast<AresChannel*>(data)->update_watch(fd, readable != 0, writable != 0);
  } catch (...) {
    // Out of memory: nothing may unwind through c-ares; the lookup times out instead.
  }
}

void AresChannel::update_watch(ares_socket_t fd, bool readable, bool writable) {
  auto found = watches_.find(fd);
  if (!readable && !writable) {
    if (found != watches_.end()) {
      // c-ares closes the socket next: pending waits end with operation_aborted.
      found->second->closed = true;
      found->second->descriptor.release();
      watches_.erase(found);
    }
    return;
  }
  if (found == watches_.end()) {
    auto watch = std::make_shared<Watch>(executor_, fd);
    boost::system::error_code ec;
    watch->descriptor.assign(fd, ec);
    if (ec) {
      return;  // not watched: c-ares times the lookup out (no exception through c-ares)
    }
    found = watches_.emplace(fd, std::move(watch)).first;
  }
  found->second->want_read = readable;
  found->second->want_write = writable;
  arm(found->second);
}

void AresChannel::arm(const std::shared_ptr<Watch>& watch) {
  using wait_type = asio::posix::descriptor_base::wait_type;
  if (watch->want_read && !watch->reading) {
    watch->reading = true;
    watch->descriptor.async_wait(wait_type::wait_read,
                                 [this, watch](const boost::system::error_code& ec) {
                                   watch->reading = false;
                                   on_ready(watch, ec, true);
                                 });
  }
  if (watch->want_write && !watch->writing) {
    watch->writing = true;
    watch->descriptor.async_wait(wait_type::wait_write,
                                 [this, watch](const boost::system::error_code& ec) {
                                   watch->writing = false;
                                   on_ready(watch, ec, false);
                                 });
  }
}

void AresChannel::on_ready(const std::shared_ptr<Watch>& watch, const boost::system::error_code& ec,
                           bool readable) {
  if (watch->closed || ec == asio::error::operation_aborted) {
    return;
  }
  // On an error too: c-ares meets it on the socket and closes or retries as it sees fit.
  process(readable ? watch->fd : ARES_SOCKET_BAD, readable ? ARES_SOCKET_BAD : watch->fd);
  if (!watch->closed) {
    arm(watch);
  }
}

void AresChannel::process(ares_socket_t read_fd, ares_socket_t write_fd) {
  // May answer lookups, and open or close sockets (on_socket_state) while it runs.
  ares_process_fd(channel_, read_fd, write_fd);
  schedule_timeouts();
}

void AresChannel::schedule_timeouts() {
  timeval wait{};
  if (ares_timeout(channel_, nullptr, &wait) == nullptr) {
    timer_.cancel();  // nothing pending: no work left on the io_context
    return;
  }
  timer_.expires_after(std::chrono::seconds(wait.tv_sec) + std::chrono::microseconds(wait.tv_usec));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // retransmits or times out what is due
    }
  });
}

}  // namespace proxy::core::dns
