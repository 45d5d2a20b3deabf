#include "connection/upstream_connector.hpp"

#include <vector>

#include "connection/address_race.hpp"
#include "dns/ip_literal.hpp"
#include "dns/resolver_service.hpp"

namespace proxy::core {
namespace {

// The addresses `host` names, in the order to try them: an address literal as it is,
// a name through the worker's resolver (IPv6 and IPv4 interleaved).
struct Resolved {
  std::vector<asio::ip::address> addresses;
  int status = 0;  // else the status to answer: 502 or 504
  std::string reason;
};

asio::awaitable<Resolved> resolve(const std::string& host,
                                  std::chrono::steady_clock::time_point deadline) {
  if (const auto literal = dns::parse_ip_literal(host)) {
    co_return Resolved{{*literal}, 0, {}};
  }
  dns::Resolver* resolver = dns::find_resolver(co_await asio::this_coro::executor);
  if (resolver == nullptr) {
    co_return Resolved{{}, 502, "cannot resolve " + host + ": no resolver on this thread"};
  }
  const dns::DnsAnswer answer = co_await resolver->resolve(host, deadline);
  if (answer.status == dns::LookupStatus::timed_out) {
    co_return Resolved{{}, 504, "name resolution timed out"};
  }
  if (answer.status != dns::LookupStatus::ok) {
    co_return Resolved{{}, 502, "cannot resolve " + host + ": " + answer.error};
  }
  co_return Resolved{*answer.addresses, 0, {}};
}

}  // namespace

asio::awaitable<UpstreamConnection> connect_upstream(const std::string& host, std::uint16_t port,
                                                     const ConnectOptions& options,
                                                     const DestinationPolicy& policy,
                                                     const asio::ip::address& client) {
  // One deadline for the lookup and the whole race: timeouts.connect bounds both.
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  const Resolved resolved = co_await resolve(host, deadline);
  if (resolved.status != 0) {
    co_return UpstreamConnection{std::nullopt, resolved.status, resolved.reason};
  }
  // Every address is judged before any is dialled.
  std::vector<tcp::endpoint> candidates;
  bool any_local = false;
  for (const asio::ip::address& address : resolved.addresses) {
    const tcp::endpoint endpoint(address, port);
    const DestinationVerdict verdict = policy.check(client, endpoint);
    if (options.parent && verdict != DestinationVerdict::self) {
      candidates.push_back(endpoint);
      continue;
    }
    switch (verdict) {
      case DestinationVerdict::self:
        co_return UpstreamConnection{std::nullopt, 508, "request would loop through this proxy"};
      case DestinationVerdict::local:
        any_local = true;
        break;
      case DestinationVerdict::denied:
        break;
      case DestinationVerdict::allowed:
        candidates.push_back(endpoint);
        break;
    }
  }
  if (candidates.empty()) {
    co_return UpstreamConnection{std::nullopt, 403,
                                 any_local ? "destination is this host, not open to this client"
                                           : "destination address is denied"};
  }
  RaceOutcome race =
      co_await race_connect(std::move(candidates), options.happy_eyeballs_delay, deadline);
  if (race.timed_out) {
    co_return UpstreamConnection{std::nullopt, 504, "upstream connect timed out"};
  }
  if (!race.socket) {
    co_return UpstreamConnection{std::nullopt, 502,
                                 "cannot connect upstream: " + race.error.message()};
  }
  boost::system::error_code ec;
  race.socket->set_option(tcp::no_delay(true), ec);
  race.socket->non_blocking(true, ec);  // as the client socket: see Session
  co_return UpstreamConnection{std::move(race.socket), 0, {}};
}

std::optional<UpstreamConnection> refuse_literal_target(const std::string& host, std::uint16_t port,
                                                        const DestinationPolicy& policy,
                                                        const asio::ip::address& client) {
  const auto literal = dns::parse_ip_literal(host);
  if (!literal) {
    return std::nullopt;
  }
  switch (policy.check(client, tcp::endpoint(*literal, port))) {
    case DestinationVerdict::self:
      return UpstreamConnection{std::nullopt, 508, "request would loop through this proxy"};
    case DestinationVerdict::local:
      return UpstreamConnection{std::nullopt, 403,
                                "destination is this host, not open to this client"};
    case DestinationVerdict::denied:
      return UpstreamConnection{std::nullopt, 403, "destination address is denied"};
    case DestinationVerdict::allowed:
      break;
  }
  return std::nullopt;
}

}  // namespace proxy::core
