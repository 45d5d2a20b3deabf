// What ABI 1.1 added, seen from both sides: the host's version and counters reach a 1.1
// plugin, its peek timeout reaches the host, and a plugin built for 1.0 still loads
// without the host reading past the table it wrote.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "plugin_host/hook_chain.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "test_support.hpp"
#include "thread_timer_service.hpp"

namespace proxy::host {
namespace {

using namespace std::chrono_literals;
using test::plugin_dir;

TEST(AbiMinor, PluginReadsTheHostVersionAndLiveCounters) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers, "9.8.7");
  registry.load({"host_reader"}, {plugin_dir()}, {});
  CoreCounters& counters = registry.counters();
  counters.connections_active = 3;
  counters.connections_total = 10;
  counters.connections_refused = 2;
  counters.tunnels_active = 1;

  auto reply = registry.endpoints().dispatch("GET", "/_host_reader", "", "127.0.0.1");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "version=9.8.7 active=3 total=10 refused=2 tunnels=1");

  counters.connections_total.fetch_add(1);
  reply = registry.endpoints().dispatch("GET", "/_host_reader", "", "127.0.0.1");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "version=9.8.7 active=3 total=11 refused=2 tunnels=1");
}

TEST(AbiMinor, CounterFillStopsAtTheCallersSize) {
  CoreCounters counters;
  counters.connections_active = 5;
  counters.connections_total = 6;
  counters.tunnels_active = 7;
  proxy_host_stats stats{};
  stats.size = offsetof(proxy_host_stats, connections_refused);  // an older, shorter struct
  stats.connections_refused = 42;
  stats.tunnels_active = 42;
  counters.fill(stats);
  EXPECT_EQ(stats.connections_active, 5U);
  EXPECT_EQ(stats.connections_total, 6U);
  EXPECT_EQ(stats.connections_refused, 42U);  // beyond its size: untouched
  EXPECT_EQ(stats.tunnels_active, 42U);
}

TEST(AbiMinor, DnsCountersReachOnlyCallersThatKnowThem) {
  CoreCounters counters;
  counters.tunnels_active = 1;
  counters.dns_lookups_ok = 2;
  counters.dns_lookups_failed = 3;
  counters.dns_lookups_timed_out = 4;
  counters.dns_cache_hits = 5;
  proxy_host_stats older{};
  older.size = offsetof(proxy_host_stats, dns_lookups_ok);  // a 1.1 plugin's struct
  older.dns_lookups_ok = 42;
  counters.fill(older);
  EXPECT_EQ(older.tunnels_active, 1U);
  EXPECT_EQ(older.dns_lookups_ok, 42U);  // beyond its size: untouched

  proxy_host_stats stats{};
  stats.size = sizeof(stats);
  counters.fill(stats);
  EXPECT_EQ(stats.dns_lookups_ok, 2U);
  EXPECT_EQ(stats.dns_lookups_failed, 3U);
  EXPECT_EQ(stats.dns_lookups_timed_out, 4U);
  EXPECT_EQ(stats.dns_cache_hits, 5U);
}

TEST(AbiMinor, TheProxyProtocolCounterReachesOneThreeReadersOnly) {
  CoreCounters counters;
  counters.tunnels_active = 1;
  counters.proxy_protocol_refused = 9;
  proxy_host_stats current{};
  current.size = sizeof(current);
  counters.fill(current);
  EXPECT_EQ(current.proxy_protocol_refused, 9U);
  proxy_host_stats older{};
  older.size = offsetof(proxy_host_stats, proxy_protocol_refused);  // an older reader
  older.proxy_protocol_refused = 42;
  counters.fill(older);
  EXPECT_EQ(older.tunnels_active, 1U);
  EXPECT_EQ(older.proxy_protocol_refused, 42U);  // beyond its size: untouched
}

TEST(AbiMinor, PeekTimeoutIsTheLargestAnySniPluginAsksFor) {
  test::ThreadTimerService timers;
  PluginRegistry none(timers);
  none.load({"good"}, {plugin_dir()}, {});
  EXPECT_EQ(none.sni_peek_timeout(), 0ms);

  PluginRegistry one(timers);
  one.load({"host_reader"}, {plugin_dir()}, {{"host_reader", R"({"peek_ms": 1500})"}});
  EXPECT_EQ(one.sni_peek_timeout(), 1500ms);
}

TEST(AbiMinor, PluginBuiltForOneZeroLoadsAndItsShortTableIsNotOverread) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"abi_1_0"}, {plugin_dir()}, {});
  ASSERT_EQ(registry.plugins().size(), 1U);
  const LoadedPlugin& plugin = registry.plugins()[0];
  EXPECT_EQ(plugin.info.version, "1.0.0");
  EXPECT_NE(plugin.hooks.on_sni, nullptr);
  EXPECT_EQ(plugin.hooks.sni_peek_timeout_ms, 0U);  // the wild value past its size ignored
  EXPECT_EQ(registry.sni_peek_timeout(), 0ms);
}

TEST(AbiMinor, PluginBuiltForOneOneLoadsWithoutTheOneTwoHooks) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers, "1.2.0", 4);
  registry.load({"abi_1_1"}, {plugin_dir()}, {});
  ASSERT_EQ(registry.plugins().size(), 1U);
  const LoadedPlugin& plugin = registry.plugins()[0];
  EXPECT_EQ(plugin.info.version, "1.1.0");
  EXPECT_NE(plugin.hooks.on_close, nullptr);
  EXPECT_EQ(plugin.hooks.on_connection_end, nullptr);  // past its table: not read
  EXPECT_TRUE(registry.with_hook(HookPoint::connection_end).empty());
  // What the core runs at a connection's end calls nothing of it (it would abort).
  proxy_conn_info conn{};
  conn.size = sizeof(conn);
  run_on_connection_end(registry, conn);
}

}  // namespace
}  // namespace proxy::host
