#include "connection/upstream_connector.hpp"

#include <memory>
#include <vector>

#include "dns/ip_literal.hpp"
#include "dns/resolver_service.hpp"

namespace proxy::core {
namespace {

// Shared with the timeout handler, which may run after the coroutine has returned.
struct Attempt {
  explicit Attempt(const asio::any_io_executor& executor) : socket(executor), timer(executor) {}

  tcp::socket socket;
  asio::steady_timer timer;
  bool expired = false;
};

}  // namespace

asio::awaitable<UpstreamConnection> connect_upstream(const std::string& host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout,
                                                     const DestinationPolicy& policy,
                                                     const asio::ip::address& client) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  auto attempt = std::make_shared<Attempt>(executor);
  // The lookup's wait ends at this same moment: DNS counts against timeouts.connect too.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  attempt->timer.expires_at(deadline);
  attempt->timer.async_wait([attempt](const boost::system::error_code& ec) {
    if (!ec) {
      attempt->expired = true;
      boost::system::error_code ignored;
      attempt->socket.close(ignored);
    }
  });
  struct CancelTimer {
    Attempt& attempt;
    ~CancelTimer() {
      try {
        attempt.timer.cancel();
      } catch (...) {
        // Nothing to undo: the timer's handler only ever closes this attempt's socket.
      }
    }
  } cancel_timer{*attempt};

  UpstreamConnection result;
  boost::system::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  // An address literal needs no lookup.
  if (const auto literal = dns::parse_ip_literal(host)) {
    endpoints.emplace_back(*literal, port);
  } else {
    dns::Resolver* resolver = dns::find_resolver(executor);
    if (resolver == nullptr) {
      co_return UpstreamConnection{std::nullopt, 502,
                                   "cannot resolve " + host + ": no resolver on this thread"};
    }
    const dns::DnsAnswer answer = co_await resolver->resolve(host, deadline);
    if (attempt->expired || answer.status == dns::LookupStatus::timed_out) {
      co_return UpstreamConnection{std::nullopt, 504, "name resolution timed out"};
    }
    if (answer.status != dns::LookupStatus::ok) {
      co_return UpstreamConnection{std::nullopt, 502,
                                   "cannot resolve " + host + ": " + answer.error};
    }
    for (const asio::ip::address& address : *answer.addresses) {
      endpoints.emplace_back(address, port);
    }
  }
  bool any_allowed = false;
  bool any_local = false;
  for (const tcp::endpoint& endpoint : endpoints) {
    const DestinationVerdict verdict = policy.check(client, endpoint);
    if (verdict == DestinationVerdict::self) {
      co_return UpstreamConnection{std::nullopt, 508, "request would loop through this proxy"};
    }
    if (verdict != DestinationVerdict::allowed) {
      any_local = any_local || verdict == DestinationVerdict::local;
      continue;
    }
    any_allowed = true;
    attempt->socket.close(ec);
    co_await attempt->socket.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
    if (attempt->expired) {
      co_return UpstreamConnection{std::nullopt, 504, "upstream connect timed out"};
    }
    if (!ec) {
      attempt->socket.set_option(tcp::no_delay(true), ec);
      attempt->socket.non_blocking(true, ec);  // as the client socket: see Session
      result.socket.emplace(std::move(attempt->socket));
      co_return result;
    }
  }
  if (!any_allowed) {
    co_return UpstreamConnection{std::nullopt, 403,
                                 any_local ? "destination is this host, not open to this client"
                                           : "destination address is denied"};
  }
  co_return UpstreamConnection{std::nullopt, 502, "cannot connect upstream: " + ec.message()};
}

}  // namespace proxy::core
