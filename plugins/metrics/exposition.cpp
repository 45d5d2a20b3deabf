#include "exposition.hpp"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "text_format.hpp"

namespace proxy::plugins::metrics {
namespace {

void write_codes(ExpositionWriter& out, std::string_view name,
                 const std::array<std::uint64_t, code_slots>& counts) {
  for (std::size_t slot = 0; slot < code_slots; ++slot) {
    if (counts[slot] > 0) {
      out.sample(name, {{"code", code_label(slot)}}, counts[slot]);
    }
  }
}

void write_histogram(ExpositionWriter& out, const std::string& name, std::string_view help,
                     const HistogramBounds& bounds, const HistogramSnapshot& histogram) {
  out.family(name, "histogram", help);
  const std::string bucket = name + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += histogram.counts[i];
    out.sample(bucket, {{"le", format_seconds(bounds.bound_seconds(i))}}, cumulative);
  }
  // +Inf and _count are the same number by construction: the buckets' total.
  cumulative += histogram.counts[bounds.size()];
  out.sample(bucket, {{"le", "+Inf"}}, cumulative);
  out.sample(name + "_sum", {}, format_micros_as_seconds(histogram.sum_us));
  out.sample(name + "_count", {}, cumulative);
}

// The host's DNS lookup durations, on the fixed bounds of the ABI.
void write_dns_durations(ExpositionWriter& out, const sdk::HostStats& host) {
  static const HistogramBounds bounds = [] {
    std::vector<double> seconds;
    seconds.reserve(sdk::dns_lookup_duration_bounds_us.size());
    for (const std::uint64_t us : sdk::dns_lookup_duration_bounds_us) {
      seconds.push_back(static_cast<double>(us) / 1e6);
    }
    return HistogramBounds(std::move(seconds));
  }();
  HistogramSnapshot histogram;
  histogram.counts.assign(host.dns_lookup_duration_buckets.begin(),
                          host.dns_lookup_duration_buckets.end());
  histogram.sum_us = host.dns_lookup_duration_sum_us;
  write_histogram(out, "proxy_dns_lookup_duration_seconds",
                  "Time upstream host name lookups took, to their answer or their timeout.", bounds,
                  histogram);
}

}  // namespace

std::string render_exposition(const TrafficSnapshot& traffic, const HistogramBounds& request_bounds,
                              const HistogramBounds& tunnel_bounds, const sdk::HostStats& host,
                              std::string_view version) {
  ExpositionWriter out;
  out.family("proxy_build_info", "gauge", "The proxy's version; the value is always 1.");
  out.sample("proxy_build_info", {{"version", version}}, 1);

  out.family("proxy_connections_active", "gauge", "Client connections open now.");
  out.sample("proxy_connections_active", {}, host.connections_active);
  out.family("proxy_connections_total", "counter", "Client connections admitted since start.");
  out.sample("proxy_connections_total", {}, host.connections_total);
  out.family("proxy_connections_refused_total", "counter",
             "Client connections closed at once: server.max_connections(_per_ip) reached.");
  out.sample("proxy_connections_refused_total", {}, host.connections_refused);
  out.family("proxy_proxy_protocol_refused_total", "counter",
             "Client connections closed because server.proxy_protocol required a PROXY "
             "header: from an untrusted peer, or whose header was malformed, cut short or late.");
  out.sample("proxy_proxy_protocol_refused_total", {}, host.proxy_protocol_refused);
  out.family("proxy_config_generation", "gauge",
             "The configuration generation serving new connections: 1 at startup, one more "
             "for each reload (SIGHUP) that took.");
  out.sample("proxy_config_generation", {}, host.config_generation);
  out.family("proxy_config_reloads_total", "counter",
             "Configuration reloads (SIGHUP) since start, by result: ok, or failed (the "
             "previous generation kept serving).");
  out.sample("proxy_config_reloads_total", {{"result", "ok"}}, host.config_reloads_ok);
  out.sample("proxy_config_reloads_total", {{"result", "failed"}}, host.config_reloads_failed);
  out.family("proxy_tunnels_active", "gauge", "CONNECT tunnels open now.");
  out.sample("proxy_tunnels_active", {}, host.tunnels_active);

  out.family("proxy_dns_lookups_total", "counter",
             "Upstream host name lookups sent to the name servers, by result (concurrent "
             "requests for one name share one lookup; cache hits are not lookups).");
  out.sample("proxy_dns_lookups_total", {{"result", "ok"}}, host.dns_lookups_ok);
  out.sample("proxy_dns_lookups_total", {{"result", "failed"}}, host.dns_lookups_failed);
  out.sample("proxy_dns_lookups_total", {{"result", "timeout"}}, host.dns_lookups_timed_out);
  out.family("proxy_dns_cache_hits_total", "counter",
             "Upstream host names answered from the DNS cache.");
  out.sample("proxy_dns_cache_hits_total", {}, host.dns_cache_hits);
  write_dns_durations(out, host);

  out.family("proxy_requests_total", "counter",
             "Proxied requests and CONNECT tunnels, counted when they end, by method "
             "(unknown methods as OTHER).");
  for (std::size_t slot = 0; slot < method_slots; ++slot) {
    out.sample("proxy_requests_total", {{"method", method_label(slot)}}, traffic.requests[slot]);
  }
  out.family("proxy_responses_total", "counter",
             "Statuses sent to clients of proxied traffic, by code, counted when the "
             "transaction ends.");
  write_codes(out, "proxy_responses_total", traffic.responses);

  out.family("proxy_bytes_total", "counter",
             "Bytes moved for proxied traffic, added when each request or tunnel ends.");
  out.sample("proxy_bytes_total", {{"direction", "client_to_upstream"}},
             traffic.bytes_client_to_upstream);
  out.sample("proxy_bytes_total", {{"direction", "upstream_to_client"}},
             traffic.bytes_upstream_to_client);

  out.family("proxy_blocked_total", "counter",
             "Connections, requests and tunnels refused, by the plugin (or core) that refused "
             "them.");
  for (const auto& [plugin, count] : traffic.blocked) {
    out.sample("proxy_blocked_total", {{"plugin", plugin}}, count);
  }

  // Always the documented reasons, so a dashboard finds the series before a failure.
  out.family("proxy_auth_failures_total", "counter",
             "Failed proxy authentication attempts: wrong credentials, or refused unchecked "
             "after too many failures.");
  for (std::size_t slot = 0; slot < traffic.auth_failures.size(); ++slot) {
    if (slot < known_auth_failures.size() || traffic.auth_failures[slot] > 0) {
      out.sample("proxy_auth_failures_total", {{"reason", auth_failure_label(slot)}},
                 traffic.auth_failures[slot]);
    }
  }

  out.family("proxy_rate_limit_decisions_total", "counter",
             "Rate limiter decisions, by result: allowed, limited (429), or the store gave no "
             "answer and on_error allowed or denied the request.");
  for (std::size_t slot = 0; slot < traffic.rate_limit_decisions.size(); ++slot) {
    if (slot < known_rate_limit_results.size() || traffic.rate_limit_decisions[slot] > 0) {
      out.sample("proxy_rate_limit_decisions_total", {{"result", rate_limit_result_label(slot)}},
                 traffic.rate_limit_decisions[slot]);
    }
  }
  out.family("proxy_redis_errors_total", "counter",
             "Rate limiter decisions Redis gave no answer for, by why: timeout, unavailable "
             "(no connection), error_reply, overloaded (too many waiting).");
  for (std::size_t slot = 0; slot < traffic.redis_errors.size(); ++slot) {
    if (slot < known_redis_errors.size() || traffic.redis_errors[slot] > 0) {
      out.sample("proxy_redis_errors_total", {{"reason", redis_error_label(slot)}},
                 traffic.redis_errors[slot]);
    }
  }
  write_histogram(out, "proxy_redis_latency_seconds",
                  "Time the rate limiter's Redis took to answer a decision, from the question to "
                  "the answer; decisions it gave no answer for are in proxy_redis_errors_total.",
                  redis_latency_bounds(), traffic.redis_latency);

  write_histogram(out, "proxy_request_duration_seconds",
                  "Time from a proxied request's head to the end of its response.", request_bounds,
                  traffic.request_duration);
  write_histogram(out, "proxy_tunnel_duration_seconds",
                  "Lifetime of CONNECT tunnels, from the request head to the close.", tunnel_bounds,
                  traffic.tunnel_duration);

  out.family("proxy_admin_requests_total", "counter",
             "Requests for the proxy's own endpoints (such as this one), by status code.");
  write_codes(out, "proxy_admin_requests_total", traffic.admin_responses);
  return out.take();
}

}  // namespace proxy::plugins::metrics
