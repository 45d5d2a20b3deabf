#include "traffic_counters.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace proxy::plugins::metrics {
namespace {

using Kind = TransactionRecord::Kind;

TrafficCounters make_counters() {
  return TrafficCounters(HistogramBounds({0.01, 1}), HistogramBounds({1, 60}));
}

TransactionRecord request(std::string_view method, int status, std::uint64_t duration_us = 0) {
  TransactionRecord record;
  record.kind = Kind::request;
  record.method = method;
  record.status = status;
  record.duration_us = duration_us;
  return record;
}

std::uint64_t blocked_count(const TrafficSnapshot& snapshot, const std::string& plugin) {
  for (const auto& [name, count] : snapshot.blocked) {
    if (name == plugin) {
      return count;
    }
  }
  return 0;
}

TEST(TrafficCounters, StartsAtZero) {
  const TrafficCounters counters = make_counters();
  const TrafficSnapshot s = counters.snapshot();
  EXPECT_EQ(std::accumulate(s.requests.begin(), s.requests.end(), std::uint64_t{0}), 0U);
  EXPECT_EQ(std::accumulate(s.responses.begin(), s.responses.end(), std::uint64_t{0}), 0U);
  EXPECT_TRUE(s.blocked.empty());
  EXPECT_EQ(s.request_duration.counts, (std::vector<std::uint64_t>{0, 0, 0}));
  EXPECT_EQ(s.tunnel_duration.counts, (std::vector<std::uint64_t>{0, 0, 0}));
}

TEST(TrafficCounters, CountsRequestsResponsesBytesAndDurations) {
  TrafficCounters counters = make_counters();
  auto get = request("GET", 200, 5000);
  get.bytes_client_to_upstream = 100;
  get.bytes_upstream_to_client = 2000;
  counters.record(get);
  counters.record(request("GET", 404, 20000));
  counters.record(request("brew", 200, 2000000));
  const TrafficSnapshot s = counters.snapshot();
  EXPECT_EQ(s.requests[method_slot("GET")], 2U);
  EXPECT_EQ(s.requests[method_other_slot], 1U);
  EXPECT_EQ(s.responses[code_slot(200)], 2U);
  EXPECT_EQ(s.responses[code_slot(404)], 1U);
  EXPECT_EQ(s.bytes_client_to_upstream, 100U);
  EXPECT_EQ(s.bytes_upstream_to_client, 2000U);
  // Not cumulative here: 5 ms <= 10 ms, 20 ms <= 1 s, 2 s only in +Inf.
  EXPECT_EQ(s.request_duration.counts, (std::vector<std::uint64_t>{1, 1, 1}));
  EXPECT_EQ(s.request_duration.sum_us, 2025000U);
  EXPECT_EQ(s.tunnel_duration.counts, (std::vector<std::uint64_t>{0, 0, 0}));
}

TEST(TrafficCounters, TunnelsCountAsConnectRequestsWithTheirOwnHistogram) {
  TrafficCounters counters = make_counters();
  TransactionRecord tunnel;
  tunnel.kind = Kind::tunnel;
  tunnel.method = "CONNECT";
  tunnel.status = 200;
  tunnel.duration_us = 30000000;
  tunnel.bytes_client_to_upstream = 517;
  tunnel.bytes_upstream_to_client = 9000;
  counters.record(tunnel);
  const TrafficSnapshot s = counters.snapshot();
  EXPECT_EQ(s.requests[method_slot("CONNECT")], 1U);
  EXPECT_EQ(s.responses[code_slot(200)], 1U);
  EXPECT_EQ(s.tunnel_duration.counts, (std::vector<std::uint64_t>{0, 1, 0}));
  EXPECT_EQ(s.tunnel_duration.sum_us, 30000000U);
  EXPECT_EQ(s.request_duration.counts, (std::vector<std::uint64_t>{0, 0, 0}));
  EXPECT_EQ(s.bytes_client_to_upstream, 517U);
  EXPECT_EQ(s.bytes_upstream_to_client, 9000U);
}

TEST(TrafficCounters, ConnectionSummariesCountOnlyTheirStatusAndBlock) {
  TrafficCounters counters = make_counters();
  TransactionRecord refused_head;
  refused_head.kind = Kind::connection;
  refused_head.status = 431;
  refused_head.blocked = true;
  refused_head.blocked_by = "core";
  counters.record(refused_head);
  TransactionRecord closed_at_accept;
  closed_at_accept.kind = Kind::connection;
  closed_at_accept.blocked = true;
  closed_at_accept.blocked_by = "access_policy";
  counters.record(closed_at_accept);
  const TrafficSnapshot s = counters.snapshot();
  EXPECT_EQ(std::accumulate(s.requests.begin(), s.requests.end(), std::uint64_t{0}), 0U);
  EXPECT_EQ(s.responses[code_slot(431)], 1U);
  EXPECT_EQ(std::accumulate(s.responses.begin(), s.responses.end(), std::uint64_t{0}), 1U);
  EXPECT_EQ(blocked_count(s, "core"), 1U);
  EXPECT_EQ(blocked_count(s, "access_policy"), 1U);
  EXPECT_EQ(s.request_duration.counts, (std::vector<std::uint64_t>{0, 0, 0}));
}

TEST(TrafficCounters, AdminRequestsStayOutOfTheTrafficFamilies) {
  TrafficCounters counters = make_counters();
  auto scrape = request("GET", 200, 100);
  scrape.kind = Kind::admin;
  scrape.bytes_upstream_to_client = 5000;
  counters.record(scrape);
  auto refused = request("GET", 403);
  refused.kind = Kind::admin;
  refused.blocked = true;
  refused.blocked_by = "core";
  counters.record(refused);
  const TrafficSnapshot s = counters.snapshot();
  EXPECT_EQ(s.requests[method_slot("GET")], 0U);
  EXPECT_EQ(s.responses[code_slot(200)], 0U);
  EXPECT_EQ(s.bytes_upstream_to_client, 0U);
  EXPECT_TRUE(s.blocked.empty());
  EXPECT_EQ(s.request_duration.counts, (std::vector<std::uint64_t>{0, 0, 0}));
  EXPECT_EQ(s.admin_responses[code_slot(200)], 1U);
  EXPECT_EQ(s.admin_responses[code_slot(403)], 1U);
}

TEST(TrafficCounters, BlockedPluginLabelsAreCapped) {
  TrafficCounters counters = make_counters();
  const std::size_t names = TrafficCounters::max_plugin_labels + 5;
  std::vector<std::string> plugins;
  for (std::size_t i = 0; i < names; ++i) {
    plugins.push_back("plugin_" + std::to_string(i));
  }
  for (const auto& plugin : plugins) {
    auto record = request("GET", 403);
    record.blocked = true;
    record.blocked_by = plugin;
    counters.record(record);
  }
  const TrafficSnapshot s = counters.snapshot();
  ASSERT_EQ(s.blocked.size(), TrafficCounters::max_plugin_labels + 1);
  EXPECT_EQ(s.blocked.front().first, "plugin_0");
  EXPECT_EQ(s.blocked.back().first, "other");
  EXPECT_EQ(s.blocked.back().second, 5U);
  std::uint64_t total = 0;
  for (const auto& [name, count] : s.blocked) {
    total += count;
  }
  EXPECT_EQ(total, names);
}

TEST(TrafficCounters, AuthFailuresCountByReasonWithUnknownReasonsAsOther) {
  TrafficCounters counters = make_counters();
  for (const std::string_view reason : {"invalid_credentials", "invalid_credentials",
                                        "too_many_failures", "made_up", "", "other"}) {
    auto record = request("GET", 407);
    record.auth_failure = reason;
    counters.record(record);
  }
  const TrafficSnapshot s = counters.snapshot();
  EXPECT_EQ(s.auth_failures[auth_failure_slot("invalid_credentials")], 2U);
  EXPECT_EQ(s.auth_failures[auth_failure_slot("too_many_failures")], 1U);
  EXPECT_EQ(s.auth_failures[known_auth_failures.size()], 2U);  // made_up, other
}

TEST(TrafficCounters, RateLimitDecisionsAndRedisErrorsCountByLabel) {
  TrafficCounters counters = make_counters();
  const std::pair<std::string_view, std::string_view> decided[] = {{"allowed", ""},
                                                                   {"allowed", ""},
                                                                   {"limited", ""},
                                                                   {"error_allowed", "timeout"},
                                                                   {"error_denied", "unavailable"},
                                                                   {"made_up", "made_up"},
                                                                   {"", ""}};
  for (const auto& [result, error] : decided) {
    auto record = request("GET", 200);
    record.rate_limit = result;
    record.rate_limit_error = error;
    counters.record(record);
  }
  const TrafficSnapshot s = counters.snapshot();
  EXPECT_EQ(s.rate_limit_decisions[rate_limit_result_slot("allowed")], 2U);
  EXPECT_EQ(s.rate_limit_decisions[rate_limit_result_slot("limited")], 1U);
  EXPECT_EQ(s.rate_limit_decisions[rate_limit_result_slot("error_allowed")], 1U);
  EXPECT_EQ(s.rate_limit_decisions[rate_limit_result_slot("error_denied")], 1U);
  EXPECT_EQ(s.rate_limit_decisions[known_rate_limit_results.size()], 1U);
  EXPECT_EQ(s.redis_errors[redis_error_slot("timeout")], 1U);
  EXPECT_EQ(s.redis_errors[redis_error_slot("unavailable")], 1U);
  EXPECT_EQ(s.redis_errors[redis_error_slot("error_reply")], 0U);
  EXPECT_EQ(s.redis_errors[known_redis_errors.size()], 1U);
}

TEST(TrafficCounters, RedisLatencyCountsOnlyAnsweredDecisions) {
  TrafficCounters counters = make_counters();
  for (const std::optional<std::uint64_t> waited :
       {std::optional<std::uint64_t>(80), std::optional<std::uint64_t>(900),
        std::optional<std::uint64_t>(5'000'000), std::optional<std::uint64_t>()}) {
    auto record = request("GET", 200);
    record.rate_limit = "allowed";
    record.rate_limit_store_us = waited;
    counters.record(record);
  }
  const TrafficSnapshot s = counters.snapshot();
  ASSERT_EQ(s.redis_latency.counts.size(), redis_latency_bounds().size() + 1);
  EXPECT_EQ(s.redis_latency.counts[0], 1U);                              // <= 100 us
  EXPECT_EQ(s.redis_latency.counts[3], 1U);                              // <= 1 ms
  EXPECT_EQ(s.redis_latency.counts[redis_latency_bounds().size()], 1U);  // +Inf
  EXPECT_EQ(std::accumulate(s.redis_latency.counts.begin(), s.redis_latency.counts.end(),
                            std::uint64_t{0}),
            3U);
  EXPECT_EQ(s.redis_latency.sum_us, 5'000'980U);
}

TEST(TrafficCounters, ConcurrentRecordsFromManyThreadsAddUpExactly) {
  TrafficCounters counters = make_counters();
  constexpr int threads = 8;
  constexpr int per_thread = 50000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&counters, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto record = request(i % 2 == 0 ? "GET" : "POST", 200, 1000);
        // Threads 0-3 own a shard each; 4-7 share shard 0 with thread 0 (the way
        // workers beyond max_shards fold), so shared shards are exercised too.
        record.worker = t < 4 ? static_cast<std::uint32_t>(t)
                              : static_cast<std::uint32_t>(TrafficCounters::max_shards * t);
        record.bytes_client_to_upstream = 3;
        record.bytes_upstream_to_client = 7;
        if (i % 10 == 0) {
          record.blocked = true;
          record.blocked_by = t % 2 == 0 ? "core" : "access_policy";
        }
        counters.record(record);
      }
    });
  }
  // Scrapes while the counters move must never see a total go down.
  std::uint64_t last_total = 0;
  for (int scrape = 0; scrape < 200; ++scrape) {
    const TrafficSnapshot s = counters.snapshot();
    const std::uint64_t total = s.requests[method_slot("GET")] + s.requests[method_slot("POST")];
    EXPECT_GE(total, last_total);
    last_total = total;
  }
  for (auto& thread : pool) {
    thread.join();
  }
  const TrafficSnapshot s = counters.snapshot();
  constexpr std::uint64_t all = std::uint64_t{threads} * per_thread;
  EXPECT_EQ(s.requests[method_slot("GET")], all / 2);
  EXPECT_EQ(s.requests[method_slot("POST")], all / 2);
  EXPECT_EQ(s.responses[code_slot(200)], all);
  EXPECT_EQ(s.bytes_client_to_upstream, 3 * all);
  EXPECT_EQ(s.bytes_upstream_to_client, 7 * all);
  EXPECT_EQ(s.request_duration.counts[0], all);  // 1 ms <= 10 ms
  EXPECT_EQ(s.request_duration.sum_us, 1000 * all);
  EXPECT_EQ(blocked_count(s, "core"), all / 10 / 2);
  EXPECT_EQ(blocked_count(s, "access_policy"), all / 10 / 2);
}

}  // namespace
}  // namespace proxy::plugins::metrics
