#include "app/reload_check.hpp"

#include <string_view>

namespace proxy::app {
namespace {

std::string refusal(std::string_view key, const std::string& from, const std::string& to) {
  return std::string(key) + ": " + from + " -> " + to + " needs a restart";
}

std::string dns_text(const config::DnsConfig& dns) {
  std::string servers;
  for (const auto& server : dns.servers) {
    servers += (servers.empty() ? "" : ", ") + server.address + ":" + std::to_string(server.port);
  }
  return "{servers: [" + servers + "], timeout: " + std::to_string(dns.timeout.count()) +
         " ms, cache_entries: " + std::to_string(dns.cache_entries) +
         ", min_ttl: " + std::to_string(dns.min_ttl.count()) +
         " s, max_ttl: " + std::to_string(dns.max_ttl.count()) + " s}";
}

}  // namespace

std::string restart_needed(const config::Config& running, const config::Config& next) {
  const auto& was = running.server;
  const auto& now = next.server;
  if (was.listen != now.listen) {
    return refusal("server.listen", was.listen, now.listen);
  }
  if (was.port != now.port) {
    return refusal("server.port", std::to_string(was.port), std::to_string(now.port));
  }
  if (was.workers != now.workers) {
    return refusal("server.workers", std::to_string(was.workers), std::to_string(now.workers));
  }
  if (was.max_connections != now.max_connections) {
    return refusal("server.max_connections", std::to_string(was.max_connections),
                   std::to_string(now.max_connections));
  }
  if (running.upstream.dns != next.upstream.dns) {
    return refusal("upstream.dns", dns_text(running.upstream.dns), dns_text(next.upstream.dns));
  }
  return {};
}

}  // namespace proxy::app
