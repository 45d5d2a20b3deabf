#include "plugin_host/plugin_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "plugin_host/hook_chain.hpp"
#include "plugin_host/host_api.hpp"
#include "plugin_host/plugin_error.hpp"
#include "test_support.hpp"
#include "thread_timer_service.hpp"

namespace proxy::host {
namespace {

using test::plugin_dir;

std::string trace_settings(const std::filesystem::path& trace) {
  return R"({"trace_file": ")" + trace.string() + R"("})";
}

TEST(PluginRegistry, GoodPluginLoadsWithItsInfoAndDeclaredHooksOnly) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"good"}, {plugin_dir()}, {});

  ASSERT_EQ(registry.plugins().size(), 1U);
  const LoadedPlugin& good = registry.plugins()[0];
  EXPECT_EQ(good.name, "good");
  EXPECT_EQ(good.path, plugin_dir() / "libgood.so");
  EXPECT_EQ(good.info.name, "good");
  EXPECT_EQ(good.info.version, "1.2.3");
  EXPECT_EQ(good.info.description, "Test plugin that behaves");
  EXPECT_NE(good.self, nullptr);
  EXPECT_EQ(good.hooks.size, sizeof(proxy_hook_table));
  EXPECT_NE(good.hooks.on_request, nullptr);
  EXPECT_NE(good.hooks.on_close, nullptr);
  EXPECT_EQ(good.hooks.on_accept, nullptr);
  EXPECT_EQ(good.hooks.on_sni, nullptr);
  EXPECT_EQ(good.hooks.on_bytes, nullptr);
  EXPECT_EQ(good.hooks.on_response, nullptr);

  EXPECT_EQ(registry.with_hook(HookPoint::request).size(), 1U);
  EXPECT_EQ(registry.with_hook(HookPoint::close).size(), 1U);
  EXPECT_TRUE(registry.with_hook(HookPoint::bytes).empty());
  EXPECT_EQ(registry.find("good"), &good);
  EXPECT_EQ(registry.find("other"), nullptr);
}

TEST(PluginRegistry, HttpParserIsNullWhenNoPluginProvidesIt) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"good"}, {plugin_dir()}, {});
  EXPECT_EQ(registry.http_parser(), nullptr);
  EXPECT_EQ(registry.http_parser_plugin(), nullptr);
  try {
    registry.require_http_parser();
    FAIL() << "no parser, no error";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.kind(), PluginErrorKind::no_http_parser);
    EXPECT_NE(std::string(e.what()).find("plugins.enabled: [good]"), std::string::npos) << e.what();
  }
}

TEST(PluginRegistry, HttpParserComesFromTheFirstPluginProvidingIt) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"good", "parser_stub"}, {plugin_dir()}, {});
  ASSERT_NE(registry.http_parser(), nullptr);
  EXPECT_EQ(registry.http_parser_plugin()->name, "parser_stub");
  EXPECT_NE(registry.http_parser()->create, nullptr);
  EXPECT_NO_THROW(registry.require_http_parser());
}

TEST(PluginRegistry, EndpointsDispatchConcurrentlyAfterLoad) {
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"good"}, {plugin_dir()}, {});
  EXPECT_EQ(registry.endpoints().paths(), std::vector<std::string>{"/_good"});
  EXPECT_TRUE(registry.endpoints().sealed());

  const auto reply = registry.endpoints().dispatch("GET", "/_good", "a=1", "127.0.0.1");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->headers.get("x-good-endpoint"), "yes");
  EXPECT_EQ(reply->headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reply->body, "requests=0 closes=0 query=a=1\n");
  EXPECT_FALSE(registry.endpoints().dispatch("GET", "/_other", "", "127.0.0.1").has_value());

  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        const auto r = registry.endpoints().dispatch("GET", "/_good", "", "::1");
        if (r && r->status == 200) {
          ++ok;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), 800);
}

TEST(PluginRegistry, DuplicateEndpointFailsTheSecondPluginNamingTheOwner) {
  // The same plugin enabled twice registers /_good twice.
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  try {
    registry.load({"good", "good"}, {plugin_dir()}, {});
    FAIL() << "loaded";
  } catch (const PluginError& e) {
    EXPECT_EQ(e.kind(), PluginErrorKind::factory_failed);
    EXPECT_NE(std::string(e.what()).find("already registered by plugin 'good'"), std::string::npos)
        << e.what();
  }
}

TEST(PluginRegistry, TimersAreCancelledAndInstancesDestroyedBeforeUnload) {
  const test::TempDir dir;
  const auto trace = dir.path() / "trace.txt";
  test::ThreadTimerService timers;
  {
    PluginRegistry registry(timers);
    registry.load({"good", "old_abi"}, {plugin_dir()},
                  {{"good", trace_settings(trace)}, {"old_abi", trace_settings(trace)}});
    EXPECT_TRUE(test::read_lines(trace).empty());
  }
  // Both timers ran cancelled before either instance went; instances went newest first.
  EXPECT_EQ(test::read_lines(trace),
            (std::vector<std::string>{"timer cancelled", "timer cancelled", "destroyed old_abi",
                                      "destroyed good"}));
  EXPECT_EQ(timers.cancelled(), 2);
  EXPECT_EQ(timers.fired(), 0);
}

TEST(PluginRegistry, ExplicitShutdownIsIdempotent) {
  const test::TempDir dir;
  const auto trace = dir.path() / "trace.txt";
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"good"}, {plugin_dir()}, {{"good", trace_settings(trace)}});
  registry.shutdown();
  EXPECT_EQ(test::read_lines(trace),
            (std::vector<std::string>{"timer cancelled", "destroyed good"}));
  EXPECT_TRUE(registry.plugins().empty());
  EXPECT_FALSE(registry.endpoints().dispatch("GET", "/_good", "", "::1").has_value());
  registry.shutdown();
  EXPECT_EQ(test::read_lines(trace).size(), 2U);
}

TEST(PluginRegistry, PluginLogsGoToTheDefaultLoggerPrefixedWithItsName) {
  test::CapturedLog log;
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"good"}, {plugin_dir()}, {});

  ConnectionData conn{7, "192.0.2.1", 50000, "127.0.0.1", 8888, 0, "192.0.2.1", ""};
  const proxy_conn_info info = abi_conn_info(conn);
  RequestData request{"GET", "http://example.com/", "example.com", 80, "/", 11, false, {}};
  RequestView view(request, true);
  auto chain = HookChain::create(
      registry, DecidingHook::request, {&info, &view, nullptr},
      [](std::function<void()> fn) { fn(); }, [](HookDecision) {});
  ASSERT_TRUE(chain->start().has_value());
  EXPECT_NE(log.text().find("info [good] request http://example.com/ from 192.0.2.1"),
            std::string::npos)
      << log.text();
}

TEST(PluginRegistry, HostLogLevelIsHandedToPlugins) {
  test::CapturedLog log;
  spdlog::set_level(spdlog::level::warn);
  EXPECT_EQ(current_log_level(), PROXY_LOG_WARN);
  test::ThreadTimerService timers;
  PluginRegistry registry(timers);
  registry.load({"good"}, {plugin_dir()}, {});
  ConnectionData conn;
  const proxy_conn_info info = abi_conn_info(conn);
  RequestData request{"GET", "http://example.com/", "example.com", 80, "/", 11, false, {}};
  RequestView view(request, true);
  auto chain = HookChain::create(
      registry, DecidingHook::request, {&info, &view, nullptr},
      [](std::function<void()> fn) { fn(); }, [](HookDecision) {});
  ASSERT_TRUE(chain->start().has_value());
  EXPECT_EQ(log.text().find("[good] request"), std::string::npos) << log.text();
  spdlog::set_level(spdlog::level::off);
  EXPECT_EQ(current_log_level(), PROXY_LOG_CRITICAL);
}

}  // namespace
}  // namespace proxy::host
