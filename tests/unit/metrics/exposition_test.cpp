#include "exposition.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace proxy::plugins::metrics {
namespace {

struct Family {
  std::string type;
  bool has_help = false;
  std::vector<std::string> samples;  // whole lines
};

// Checks the page line by line against the text format (HELP then TYPE before the
// samples of each family, names and label syntax) and returns the families by name.
std::map<std::string, Family> parse_page(const std::string& page) {
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? )"
      R"(([0-9]+(\.[0-9]+)?(e[+-][0-9]+)?))");
  std::map<std::string, Family> families;
  std::string current;
  std::istringstream lines(page);
  std::string line;
  EXPECT_EQ(page.back(), '\n');
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      EXPECT_EQ(families.count(m[1]), 0U) << "family repeated: " << line;
      current = m[1];
      families[current].has_help = true;
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1], current) << "TYPE without its HELP: " << line;
      families[current].type = m[2];
    } else if (std::regex_match(line, m, sample)) {
      const std::string name = m[1];
      const Family& family = families[current];
      bool belongs = name == current;
      if (family.type == "histogram") {
        belongs =
            name == current + "_bucket" || name == current + "_sum" || name == current + "_count";
      }
      EXPECT_TRUE(belongs) << "sample outside its family " << current << ": " << line;
      families[current].samples.push_back(line);
    } else {
      ADD_FAILURE() << "not a valid exposition line: " << line;
    }
  }
  return families;
}

TrafficSnapshot snapshot_with(std::size_t request_buckets, std::size_t tunnel_buckets) {
  TrafficSnapshot s;
  s.request_duration.counts.assign(request_buckets + 1, 0);
  s.tunnel_duration.counts.assign(tunnel_buckets + 1, 0);
  s.redis_latency.counts.assign(redis_latency_bounds().size() + 1, 0);
  return s;
}

TEST(Exposition, EveryDesignedNameHasHelpAndType) {
  const HistogramBounds request_bounds({0.1, 1});
  const HistogramBounds tunnel_bounds({10});
  const auto families = parse_page(render_exposition(snapshot_with(2, 1), request_bounds,
                                                     tunnel_bounds, sdk::HostStats{}, "0.1.0"));
  const std::map<std::string, std::string> designed = {
      {"proxy_connections_active", "gauge"},
      {"proxy_connections_total", "counter"},
      {"proxy_requests_total", "counter"},
      {"proxy_responses_total", "counter"},
      {"proxy_bytes_total", "counter"},
      {"proxy_tunnels_active", "gauge"},
      {"proxy_blocked_total", "counter"},
      {"proxy_request_duration_seconds", "histogram"},
      {"proxy_tunnel_duration_seconds", "histogram"},
      {"proxy_build_info", "gauge"},
      {"proxy_auth_failures_total", "counter"},
      {"proxy_dns_lookups_total", "counter"},
      {"proxy_dns_cache_hits_total", "counter"},
      {"proxy_dns_lookup_duration_seconds", "histogram"},
      {"proxy_rate_limit_decisions_total", "counter"},
      {"proxy_redis_errors_total", "counter"},
      {"proxy_redis_latency_seconds", "histogram"},
      {"proxy_proxy_protocol_refused_total", "counter"},
      {"proxy_config_generation", "gauge"},
      {"proxy_config_reloads_total", "counter"},
  };
  for (const auto& [name, type] : designed) {
    ASSERT_EQ(families.count(name), 1U) << name;
    EXPECT_TRUE(families.at(name).has_help) << name;
    EXPECT_EQ(families.at(name).type, type) << name;
  }
  for (const auto& [name, family] : families) {
    EXPECT_TRUE(family.has_help && !family.type.empty()) << name;
  }
}

TEST(Exposition, ShowsTheHostCountersAndVersion) {
  sdk::HostStats host;
  host.connections_active = 3;
  host.connections_total = 17;
  host.connections_refused = 2;
  host.tunnels_active = 1;
  host.dns_lookups_ok = 11;
  host.dns_lookups_failed = 4;
  host.dns_lookups_timed_out = 5;
  host.dns_cache_hits = 12;
  host.proxy_protocol_refused = 5;
  host.config_generation = 4;
  host.config_reloads_ok = 3;
  host.config_reloads_failed = 2;
  const std::string page = render_exposition(snapshot_with(1, 1), HistogramBounds({1}),
                                             HistogramBounds({1}), host, "1.2.3");
  EXPECT_NE(page.find("\nproxy_connections_active 3\n"), std::string::npos) << page;
  EXPECT_NE(page.find("\nproxy_connections_total 17\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_connections_refused_total 2\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_tunnels_active 1\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_dns_lookups_total{result=\"ok\"} 11\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_dns_lookups_total{result=\"failed\"} 4\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_dns_lookups_total{result=\"timeout\"} 5\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_dns_cache_hits_total 12\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_dns_lookup_duration_seconds_count 0\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_proxy_protocol_refused_total 5\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_config_generation 4\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_config_reloads_total{result=\"ok\"} 3\n"), std::string::npos);
  EXPECT_NE(page.find("\nproxy_config_reloads_total{result=\"failed\"} 2\n"), std::string::npos);
}

TEST(Exposition, AuthFailuresShowTheirReasonsAlwaysAndOtherOnlyOnceSeen) {
  TrafficSnapshot s = snapshot_with(1, 1);
  s.auth_failures[auth_failure_slot("too_many_failures")] = 4;
  std::string page =
      render_exposition(s, HistogramBounds({1}), HistogramBounds({1}), sdk::HostStats{}, "1");
  EXPECT_NE(page.find("\nproxy_auth_failures_total{reason=\"invalid_credentials\"} 0\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("\nproxy_auth_failures_total{reason=\"too_many_failures\"} 4\n"),
            std::string::npos);
  EXPECT_EQ(page.find("reason=\"other\""), std::string::npos);
  s.auth_failures[known_auth_failures.size()] = 1;
  page = render_exposition(s, HistogramBounds({1}), HistogramBounds({1}), sdk::HostStats{}, "1");
  EXPECT_NE(page.find("\nproxy_auth_failures_total{reason=\"other\"} 1\n"), std::string::npos);
}

TEST(Exposition, DnsLookupDurationsUseTheBoundsOfTheAbi) {
  sdk::HostStats host;
  host.dns_lookup_duration_buckets[0] = 2;                               // at most 1 ms
  host.dns_lookup_duration_buckets[3] = 1;                               // at most 10 ms
  host.dns_lookup_duration_buckets[PROXY_DNS_DURATION_BUCKETS - 1] = 1;  // over 10 s
  host.dns_lookup_duration_sum_us = 12'000'500;
  const std::string page =
      render_exposition(snapshot_with(1, 1), HistogramBounds({1}), HistogramBounds({1}), host, "1");
  const std::string name = "proxy_dns_lookup_duration_seconds";
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"0.001\"} 2\n"), std::string::npos) << page;
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"0.005\"} 2\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"0.01\"} 3\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"10\"} 3\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_sum 12.0005\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_count 4\n"), std::string::npos);
}

TEST(Exposition, RateLimitDecisionsAndRedisErrorsShowTheirLabelsAlways) {
  TrafficSnapshot s = snapshot_with(1, 1);
  s.rate_limit_decisions[rate_limit_result_slot("limited")] = 7;
  s.redis_errors[redis_error_slot("timeout")] = 2;
  std::string page =
      render_exposition(s, HistogramBounds({1}), HistogramBounds({1}), sdk::HostStats{}, "1");
  for (const char* line : {"proxy_rate_limit_decisions_total{result=\"allowed\"} 0",
                           "proxy_rate_limit_decisions_total{result=\"limited\"} 7",
                           "proxy_rate_limit_decisions_total{result=\"error_allowed\"} 0",
                           "proxy_rate_limit_decisions_total{result=\"error_denied\"} 0",
                           "proxy_redis_errors_total{reason=\"timeout\"} 2",
                           "proxy_redis_errors_total{reason=\"unavailable\"} 0",
                           "proxy_redis_errors_total{reason=\"error_reply\"} 0",
                           "proxy_redis_errors_total{reason=\"overloaded\"} 0"}) {
    EXPECT_NE(page.find("\n" + std::string(line) + "\n"), std::string::npos) << line << page;
  }
  EXPECT_EQ(page.find("result=\"other\""), std::string::npos);
  s.redis_errors[known_redis_errors.size()] = 1;
  page = render_exposition(s, HistogramBounds({1}), HistogramBounds({1}), sdk::HostStats{}, "1");
  EXPECT_NE(page.find("\nproxy_redis_errors_total{reason=\"other\"} 1\n"), std::string::npos);
}

TEST(Exposition, RedisLatencyIsAHistogramOnFixedBounds) {
  TrafficSnapshot s = snapshot_with(1, 1);
  s.redis_latency.counts[0] = 3;                              // at most 100 us
  s.redis_latency.counts[3] = 1;                              // at most 1 ms
  s.redis_latency.counts[redis_latency_bounds().size()] = 1;  // over 1 s
  s.redis_latency.sum_us = 2'000'400;
  const std::string page =
      render_exposition(s, HistogramBounds({1}), HistogramBounds({1}), sdk::HostStats{}, "1");
  const std::string name = "proxy_redis_latency_seconds";
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"0.0001\"} 3\n"), std::string::npos) << page;
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"0.001\"} 4\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"1\"} 4\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_bucket{le=\"+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_sum 2.0004\n"), std::string::npos);
  EXPECT_NE(page.find("\n" + name + "_count 5\n"), std::string::npos);
}

TEST(Exposition, LabelValuesAreEscaped) {
  TrafficSnapshot s = snapshot_with(1, 1);
  s.blocked.emplace_back("we\"ird\\name\nx", 4);
  const std::string page = render_exposition(s, HistogramBounds({1}), HistogramBounds({1}),
                                             sdk::HostStats{}, "1.0 \"beta\"\\\n");
  EXPECT_NE(page.find("proxy_blocked_total{plugin=\"we\\\"ird\\\\name\\nx\"} 4\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("proxy_build_info{version=\"1.0 \\\"beta\\\"\\\\\\n\"} 1\n"),
            std::string::npos)
      << page;
  parse_page(page);
}

TEST(Exposition, MethodsAndDirectionsAlwaysShowCodesOnlyOnceSeen) {
  TrafficSnapshot s = snapshot_with(1, 1);
  s.requests[method_slot("GET")] = 5;
  s.responses[code_slot(200)] = 4;
  s.responses[code_slot(502)] = 1;
  s.responses[code_other_slot] = 2;
  s.admin_responses[code_slot(403)] = 6;
  s.bytes_client_to_upstream = 11;
  s.bytes_upstream_to_client = 22;
  const auto families = parse_page(
      render_exposition(s, HistogramBounds({1}), HistogramBounds({1}), sdk::HostStats{}, "0.1.0"));
  const auto& requests = families.at("proxy_requests_total").samples;
  EXPECT_EQ(requests.size(), method_slots);
  EXPECT_EQ(requests.front(), "proxy_requests_total{method=\"GET\"} 5");
  EXPECT_EQ(requests.back(), "proxy_requests_total{method=\"OTHER\"} 0");
  EXPECT_EQ(families.at("proxy_responses_total").samples,
            (std::vector<std::string>{"proxy_responses_total{code=\"200\"} 4",
                                      "proxy_responses_total{code=\"502\"} 1",
                                      "proxy_responses_total{code=\"other\"} 2"}));
  EXPECT_EQ(families.at("proxy_bytes_total").samples,
            (std::vector<std::string>{"proxy_bytes_total{direction=\"client_to_upstream\"} 11",
                                      "proxy_bytes_total{direction=\"upstream_to_client\"} 22"}));
  EXPECT_EQ(families.at("proxy_admin_requests_total").samples,
            (std::vector<std::string>{"proxy_admin_requests_total{code=\"403\"} 6"}));
  EXPECT_TRUE(families.at("proxy_blocked_total").samples.empty());
}

TEST(Exposition, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  TrafficSnapshot s = snapshot_with(3, 1);
  s.request_duration.counts = {2, 0, 5, 1};  // per bucket; the last only in +Inf
  s.request_duration.sum_us = 7250000;
  const auto families = parse_page(render_exposition(
      s, HistogramBounds({0.005, 0.25, 2.5}), HistogramBounds({60}), sdk::HostStats{}, "0.1.0"));
  EXPECT_EQ(families.at("proxy_request_duration_seconds").samples,
            (std::vector<std::string>{
                "proxy_request_duration_seconds_bucket{le=\"0.005\"} 2",
                "proxy_request_duration_seconds_bucket{le=\"0.25\"} 2",
                "proxy_request_duration_seconds_bucket{le=\"2.5\"} 7",
                "proxy_request_duration_seconds_bucket{le=\"+Inf\"} 8",
                "proxy_request_duration_seconds_sum 7.25",
                "proxy_request_duration_seconds_count 8",
            }));
  EXPECT_EQ(families.at("proxy_tunnel_duration_seconds").samples,
            (std::vector<std::string>{
                "proxy_tunnel_duration_seconds_bucket{le=\"60\"} 0",
                "proxy_tunnel_duration_seconds_bucket{le=\"+Inf\"} 0",
                "proxy_tunnel_duration_seconds_sum 0",
                "proxy_tunnel_duration_seconds_count 0",
            }));
}

}  // namespace
}  // namespace proxy::plugins::metrics
