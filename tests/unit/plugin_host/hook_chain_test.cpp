#include "plugin_host/hook_chain.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "allocation_counter.hpp"
#include "plugin_host/attribute_list.hpp"
#include "test_executor.hpp"
#include "test_support.hpp"
#include "thread_timer_service.hpp"

namespace proxy::host {
namespace {

using test::plugin_dir;

// One loaded registry and one request, run through on_request like a connection would.
class HookChainTest : public ::testing::Test {
 protected:
  void load(const std::vector<std::string>& enabled) {
    registry_.load(enabled, {plugin_dir()}, {});
  }

  // Runs on_request for `target`; returns the synchronous decision or waits for `done`.
  struct Run {
    std::optional<HookDecision> sync;
    std::optional<HookDecision> done;
    int done_calls = 0;
    std::shared_ptr<HookChain> chain;
  };

  std::shared_ptr<Run> start(const std::string& target) {
    auto run = std::make_shared<Run>();
    request_.target = target;
    run->chain = HookChain::create(registry_, DecidingHook::request, {&info_, &view_, nullptr},
                                   executor_.poster(), [run](HookDecision decision) {
                                     run->done = std::move(decision);
                                     ++run->done_calls;
                                   });
    run->sync = run->chain->start();
    return run;
  }

  HookDecision wait(Run& run) {
    EXPECT_FALSE(run.sync.has_value());
    EXPECT_TRUE(executor_.run_until([&] { return run.done.has_value(); }));
    return run.done.value_or(HookDecision::failed("test", "no decision"));
  }

  test::ThreadTimerService timers_;
  test::TestExecutor executor_;  // outlives the registry: plugin threads may still post
  PluginRegistry registry_{timers_};
  ConnectionData conn_{1, "198.51.100.7", 40000, "127.0.0.1", 8888, 0, "198.51.100.7", ""};
  proxy_conn_info info_ = abi_conn_info(conn_);
  RequestData request_{"GET", "", "example.com", 80, "/", 11, false, {}};
  RequestView view_{request_, true};
};

TEST_F(HookChainTest, AllowsAndEditsHeaders) {
  load({"good"});
  request_.headers.add("Host", "example.com");
  request_.headers.add("X-Strip", "secret");
  const auto run = start("http://example.com/");
  ASSERT_TRUE(run->sync.has_value());
  EXPECT_TRUE(run->sync->allowed());
  EXPECT_EQ(request_.headers.get("X-Good"), "good");
  EXPECT_FALSE(request_.headers.get("X-Strip").has_value());
  EXPECT_EQ(request_.headers.get("X-Good-Refused"), "invalid edits refused");
  EXPECT_FALSE(request_.headers.get("Bad Name").has_value());
}

TEST_F(HookChainTest, LaterPluginsSeeEarlierEdits) {
  load({"good", "old_abi"});
  const auto run = start("http://example.com/");
  ASSERT_TRUE(run->sync.has_value());
  EXPECT_TRUE(run->sync->allowed());
  // good set X-Good first; old_abi read the refreshed list and set it again.
  EXPECT_EQ(request_.headers.get("X-Good"), "old_abi");
  EXPECT_EQ(request_.headers.count("X-Good"), 1U);
}

TEST_F(HookChainTest, FirstRejectWinsAndNamesThePlugin) {
  load({"good", "old_abi"});
  const auto run = start("http://blocked.example/");
  ASSERT_TRUE(run->sync.has_value());
  EXPECT_EQ(run->sync->verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(run->sync->status, 403);
  EXPECT_EQ(run->sync->reason, "blocked by good");
  EXPECT_EQ(run->sync->plugin, "good");
}

TEST_F(HookChainTest, AThrowingHookFailsWith500) {
  load({"good"});
  const auto run = start("http://example.com/throw");
  ASSERT_TRUE(run->sync.has_value());
  EXPECT_EQ(run->sync->verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(run->sync->status, 500);
  EXPECT_EQ(run->sync->plugin, "good");
  EXPECT_NE(run->sync->reason.find("asked to throw"), std::string::npos) << run->sync->reason;
}

TEST_F(HookChainTest, NoPluginWithTheHookAllows) {
  load({"good"});
  auto chain = HookChain::create(registry_, DecidingHook::accept, {&info_, nullptr, nullptr},
                                 executor_.poster(), [](HookDecision) { FAIL(); });
  const auto decision = chain->start();
  ASSERT_TRUE(decision.has_value());
  EXPECT_TRUE(decision->allowed());
}

TEST_F(HookChainTest, ThePlainLoopAllocatesNothingWhenNoPluginDefers) {
  load({"abi_1_0"});  // an on_sni hook that allows without a word
  const ClientHelloView hello_view(nullptr);
  view_.refresh();  // the views are built once per request, not per plugin
  const std::uint64_t before = test::allocations();
  const auto progress =
      HookChain::run(registry_, DecidingHook::sni, {&info_, &view_, hello_view.get()});
  EXPECT_EQ(test::allocations() - before, 0U);
  ASSERT_TRUE(progress.decision.has_value());
  EXPECT_TRUE(progress.decision->allowed());
}

TEST_F(HookChainTest, WaitForContinuesWhereTheFastPathStopped) {
  load({"good"});
  request_.target = "http://example.com/defer-allow";
  auto progress = HookChain::run(registry_, DecidingHook::request, {&info_, &view_, nullptr});
  ASSERT_FALSE(progress.decision.has_value());
  ASSERT_NE(progress.pending, nullptr);
  std::optional<HookDecision> done;
  auto chain = HookChain::wait_for(registry_, DecidingHook::request, {&info_, &view_, nullptr},
                                   std::move(progress), executor_.poster(),
                                   [&done](HookDecision decision) { done = std::move(decision); });
  EXPECT_FALSE(chain->start().has_value());
  ASSERT_TRUE(executor_.run_until([&] { return done.has_value(); }));
  EXPECT_TRUE(done->allowed());
}

TEST_F(HookChainTest, DeferralCompletedFromAnotherThreadResumesTheChain) {
  load({"good", "old_abi"});
  const auto run = start("http://example.com/defer-thread");
  EXPECT_TRUE(run->chain->suspended());
  EXPECT_EQ(run->chain->pending_plugin(), "good");
  const auto decision = wait(*run);
  // old_abi deferred as well after good allowed: two suspensions, one answer.
  EXPECT_TRUE(decision.allowed());
  EXPECT_EQ(run->done_calls, 1);
  EXPECT_FALSE(run->chain->suspended());
}

TEST_F(HookChainTest, DeferredRejectNamesThePlugin) {
  load({"good"});
  const auto run = start("http://example.com/defer-reject");
  const auto decision = wait(*run);
  EXPECT_EQ(decision.verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(decision.status, 429);
  EXPECT_EQ(decision.reason, "deferred reject");
  EXPECT_EQ(decision.plugin, "good");
}

TEST_F(HookChainTest, CompletionBeforeTheHookReturnsNeedsNoWait) {
  load({"good"});
  const auto allowed = start("http://example.com/defer-sync");
  ASSERT_TRUE(allowed->sync.has_value());
  EXPECT_TRUE(allowed->sync->allowed());
  const auto rejected = start("http://example.com/defer-sync-reject");
  ASSERT_TRUE(rejected->sync.has_value());
  EXPECT_EQ(rejected->sync->status, 429);
}

// A completion landing between the hook's return and the chain's suspension (the
// plugin's thread racing the io thread) is taken without a wait; its attributes are set
// as those of any other completion.
TEST_F(HookChainTest, ACompletionBeforeTheChainSuspendsStillSetsItsAttributes) {
  load({"good"});
  for (const std::string target :
       {"http://example.com/defer-attr", "http://example.com/defer-attr-reject"}) {
    request_.target = target;
    AttributeList attributes;
    const DecidingHookArgs args{&info_, &view_, nullptr, &attributes};
    auto progress = HookChain::run(registry_, DecidingHook::request, args);
    ASSERT_NE(progress.pending, nullptr) << target;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // completes after 10 ms
    auto chain =
        HookChain::wait_for(registry_, DecidingHook::request, args, std::move(progress),
                            executor_.poster(), [](HookDecision) { ADD_FAILURE() << "waited"; });
    const std::optional<HookDecision> decision = chain->start();
    ASSERT_TRUE(decision.has_value()) << target << ": completed already, nothing to wait for";
    EXPECT_EQ(decision->allowed(), target.find("reject") == std::string::npos) << target;
    EXPECT_EQ(attributes.get("deferred"), std::optional<std::string_view>("yes")) << target;
  }
}

TEST_F(HookChainTest, AResumedChainSetsTheCompletionsAttributes) {
  load({"good"});
  AttributeList attributes;
  request_.target = "http://example.com/defer-attr";
  auto run = std::make_shared<Run>();
  run->chain = HookChain::create(registry_, DecidingHook::request,
                                 {&info_, &view_, nullptr, &attributes}, executor_.poster(),
                                 [run](HookDecision decision) { run->done = std::move(decision); });
  run->sync = run->chain->start();
  EXPECT_TRUE(wait(*run).allowed());
  EXPECT_EQ(attributes.get("deferred"), std::optional<std::string_view>("yes"));
}

TEST_F(HookChainTest, ALaterPluginsRouteReplacesAnEarlierOne) {
  load({"good", "old_abi"});
  request_.target = "http://example.com/route";
  RouteChoice route;
  const auto progress =
      HookChain::run(registry_, DecidingHook::request, {&info_, &view_, nullptr, nullptr, &route});
  ASSERT_TRUE(progress.decision.has_value());
  EXPECT_TRUE(progress.decision->allowed());
  ASSERT_EQ(route.kind, RouteChoice::Kind::parents);
  ASSERT_EQ(route.parents.size(), 1U);
  EXPECT_EQ(route.parents[0].name, "old_abi");
  EXPECT_EQ(route.parents[0].host, "parent.example");
  EXPECT_EQ(route.parents[0].port, 3128);
  EXPECT_EQ(route.parents[0].authorization, "Basic eDp5");
}

TEST_F(HookChainTest, APluginThatChoosesNoRouteKeepsTheEarlierOne) {
  load({"good", "old_abi"});
  request_.target = "http://example.com/";
  RouteChoice route;
  route.kind = RouteChoice::Kind::direct;  // as if an earlier plugin had chosen it
  const auto progress =
      HookChain::run(registry_, DecidingHook::request, {&info_, &view_, nullptr, nullptr, &route});
  ASSERT_TRUE(progress.decision.has_value());
  EXPECT_EQ(route.kind, RouteChoice::Kind::direct);
}

TEST_F(HookChainTest, ADeferredDecisionsRouteIsTaken) {
  load({"good"});
  RouteChoice route;
  request_.target = "http://example.com/defer-route";
  auto run = std::make_shared<Run>();
  run->chain = HookChain::create(registry_, DecidingHook::request,
                                 {&info_, &view_, nullptr, nullptr, &route}, executor_.poster(),
                                 [run](HookDecision decision) { run->done = std::move(decision); });
  run->sync = run->chain->start();
  EXPECT_TRUE(wait(*run).allowed());
  ASSERT_EQ(route.kind, RouteChoice::Kind::parents);
  EXPECT_EQ(route.parents.at(0).name, "good");
}

TEST_F(HookChainTest, DeferralCompletedFromTheHostTimer) {
  load({"good"});
  const auto run = start("http://example.com/defer-timer-reject");
  const auto decision = wait(*run);
  EXPECT_EQ(decision.status, 429);
  EXPECT_EQ(timers_.fired(), 1);
}

TEST_F(HookChainTest, DroppedCompletionFailsClosed) {
  load({"good"});
  const auto run = start("http://example.com/defer-drop");
  const auto decision = wait(*run);
  EXPECT_EQ(decision.verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(decision.status, 500);
  EXPECT_EQ(decision.plugin, "good");
  EXPECT_NE(decision.reason.find("dropped"), std::string::npos) << decision.reason;
}

TEST_F(HookChainTest, TimeOutAnswers503AndIgnoresTheLateCompletion) {
  test::CapturedLog log;
  load({"good"});
  const auto run = start("http://example.com/defer-never");
  ASSERT_TRUE(run->chain->suspended());
  const auto decision = run->chain->time_out();
  ASSERT_TRUE(decision.has_value());
  EXPECT_EQ(decision->verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(decision->status, 503);
  EXPECT_EQ(decision->plugin, "good");
  EXPECT_FALSE(run->chain->suspended());
  EXPECT_FALSE(run->chain->time_out().has_value());

  // Destroying good fails its parked Completion closed: too late, ignored, nothing posted.
  registry_.shutdown();
  EXPECT_FALSE(
      executor_.run_until([&] { return run->done.has_value(); }, std::chrono::milliseconds(50)));
  EXPECT_EQ(run->done_calls, 0);
  EXPECT_NE(log.text().find("completed a deferred decision the core no longer waits for"),
            std::string::npos)
      << log.text();
}

TEST_F(HookChainTest, TimingOutFreesTheCompletionAtOnce) {
  load({"good"});
  const std::size_t before = Deferral::pending_count();
  const auto run = start("http://example.com/defer-never");
  ASSERT_TRUE(run->chain->suspended());
  EXPECT_EQ(Deferral::pending_count(), before + 1);
  ASSERT_TRUE(run->chain->time_out().has_value());
  // The plugin still holds its handle and may never use it: the host holds nothing for it.
  EXPECT_EQ(Deferral::pending_count(), before);
}

TEST_F(HookChainTest, ShutdownCancelsWhatIsStillPending) {
  load({"good"});
  const auto run = start("http://example.com/defer-never");
  ASSERT_TRUE(run->chain->suspended());
  EXPECT_GE(Deferral::cancel_all_pending(), 1U);
  EXPECT_EQ(Deferral::pending_count(), 0U);
  registry_.shutdown();  // completes the parked handle: reaches nothing
  EXPECT_FALSE(
      executor_.run_until([&] { return run->done.has_value(); }, std::chrono::milliseconds(50)));
  run->chain->cancel();  // as the session does when it stops waiting; frees `done`
}

TEST_F(HookChainTest, ObservingHooksRunOnlyForDeclaringPlugins) {
  load({"good"});
  TransactionData data;
  data.method = "GET";
  data.status = 200;
  const proxy_transaction transaction = abi_transaction(data, info_);
  run_on_close(registry_, transaction);
  run_on_close(registry_, transaction);
  run_on_bytes(registry_, info_, PROXY_DIRECTION_CLIENT_TO_UPSTREAM, "abc");
  ResponseData response{200, "OK", 11, {}};
  ResponseView response_view(response, true);
  run_on_response(registry_, info_, view_, response_view);

  const auto reply = registry_.endpoints().dispatch("GET", "/_good", "", "::1");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "requests=0 closes=2 query=\n");
}

}  // namespace
}  // namespace proxy::host
