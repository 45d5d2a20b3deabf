// Deferral edge cases at the C boundary, driven through the host API as a plugin written
// in C (or a buggy one) would call it.
#include "plugin_host/hook_call.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "plugin_host/endpoint_registry.hpp"
#include "plugin_host/host_api.hpp"
#include "test_support.hpp"

namespace proxy::host {
namespace {

proxy_decision make_decision(proxy_verdict verdict, std::uint32_t status = 0,
                             const char* reason = "") {
  proxy_decision out{};
  out.size = sizeof(out);
  out.verdict = verdict;
  out.status = status;
  out.reason_len = static_cast<std::uint32_t>(std::strlen(reason));
  std::memcpy(out.reason, reason, out.reason_len);
  return out;
}

class HookCallTest : public ::testing::Test {
 protected:
  HostContext context_{"raw", {}};
  const proxy_host_api* api_ = context_.api();
  std::string plugin_ = "raw";
  int resumed_ = 0;
  std::optional<HookDecision> resumed_with_;
  ResumeFn resume_ = [this](HookDecision decision) {
    ++resumed_;
    resumed_with_ = std::move(decision);
  };
};

TEST_F(HookCallTest, CompleteAfterReturnResumesOnceAndASecondCompleteIsIgnored) {
  test::CapturedLog log;
  HookCall call(plugin_);
  proxy_completion* completion = api_->defer(call.get());
  ASSERT_NE(completion, nullptr);
  EXPECT_EQ(api_->defer(call.get()), nullptr) << "one deferral per call";

  auto outcome = call.finish(make_decision(PROXY_VERDICT_DEFER), resume_);
  ASSERT_FALSE(outcome.decision.has_value());
  ASSERT_NE(outcome.pending, nullptr);

  const auto reject = make_decision(PROXY_VERDICT_REJECT, 451, "legal\r\nreasons");
  api_->complete(completion, &reject);
  ASSERT_EQ(resumed_, 1);
  EXPECT_EQ(resumed_with_->status, 451);
  EXPECT_EQ(resumed_with_->reason, "legal  reasons");
  EXPECT_EQ(resumed_with_->plugin, "raw");

  api_->complete(completion, &reject);
  EXPECT_EQ(resumed_, 1);
  EXPECT_NE(log.text().find("already completed"), std::string::npos) << log.text();
  EXPECT_FALSE(outcome.pending->cancel()) << "already finished";
}

TEST_F(HookCallTest, DeferVerdictWithoutDeferFails) {
  HookCall call(plugin_);
  const auto outcome = call.finish(make_decision(PROXY_VERDICT_DEFER), resume_);
  ASSERT_TRUE(outcome.decision.has_value());
  EXPECT_EQ(outcome.decision->verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(outcome.decision->status, 500);
  EXPECT_EQ(outcome.decision->plugin, "raw");
  EXPECT_NE(outcome.decision->reason.find("without calling defer()"), std::string::npos);
}

TEST_F(HookCallTest, FinalVerdictAfterDeferMakesTheCompletionMoot) {
  HookCall call(plugin_);
  proxy_completion* completion = api_->defer(call.get());
  const auto outcome = call.finish(make_decision(PROXY_VERDICT_CLOSE, 0, "bye"), resume_);
  ASSERT_TRUE(outcome.decision.has_value());
  EXPECT_EQ(outcome.decision->verdict, PROXY_VERDICT_CLOSE);
  EXPECT_EQ(outcome.decision->plugin, "raw");
  const auto allow = make_decision(PROXY_VERDICT_ALLOW);
  api_->complete(completion, &allow);  // ignored, and frees the state (ASan checks)
  EXPECT_EQ(resumed_, 0);
}

TEST_F(HookCallTest, CompletionBeforeReturnIsUsedDirectly) {
  HookCall call(plugin_);
  proxy_completion* completion = api_->defer(call.get());
  const auto reject = make_decision(PROXY_VERDICT_REJECT, 403, "early");
  api_->complete(completion, &reject);
  const auto outcome = call.finish(make_decision(PROXY_VERDICT_DEFER), resume_);
  ASSERT_TRUE(outcome.decision.has_value());
  EXPECT_EQ(outcome.decision->reason, "early");
  EXPECT_EQ(outcome.pending, nullptr);
  EXPECT_EQ(resumed_, 0);
}

TEST_F(HookCallTest, CancelledDeferralIgnoresTheLateCompletion) {
  HookCall call(plugin_);
  proxy_completion* completion = api_->defer(call.get());
  auto outcome = call.finish(make_decision(PROXY_VERDICT_DEFER), resume_);
  ASSERT_NE(outcome.pending, nullptr);
  EXPECT_TRUE(outcome.pending->cancel());
  EXPECT_FALSE(outcome.pending->cancel());
  const auto allow = make_decision(PROXY_VERDICT_ALLOW);
  api_->complete(completion, &allow);
  EXPECT_EQ(resumed_, 0);
}

TEST_F(HookCallTest, NullOrDeferredCompletionFails) {
  for (const bool null_decision : {true, false}) {
    HookCall call(plugin_);
    proxy_completion* completion = api_->defer(call.get());
    auto outcome = call.finish(make_decision(PROXY_VERDICT_DEFER), resume_);
    const auto deferred = make_decision(PROXY_VERDICT_DEFER);
    api_->complete(completion, null_decision ? nullptr : &deferred);
    ASSERT_TRUE(resumed_with_.has_value());
    EXPECT_EQ(resumed_with_->verdict, PROXY_VERDICT_FAILED);
    EXPECT_EQ(resumed_with_->status, 500);
  }
}

TEST_F(HookCallTest, CompleteRacingCancelResolvesExactlyOnce) {
  const test::CapturedLog quiet;
  for (int i = 0; i < 500; ++i) {
    std::atomic<int> resumed{0};
    HookCall call(plugin_);
    proxy_completion* completion = api_->defer(call.get());
    auto outcome =
        call.finish(make_decision(PROXY_VERDICT_DEFER), [&resumed](HookDecision) { ++resumed; });
    const auto allow = make_decision(PROXY_VERDICT_ALLOW);
    std::thread completer([&] { api_->complete(completion, &allow); });
    const bool cancelled = outcome.pending->cancel();
    completer.join();
    EXPECT_EQ(resumed.load() + (cancelled ? 1 : 0), 1) << "iteration " << i;
  }
}

TEST_F(HookCallTest, ObservingHooksCannotDefer) {
  EXPECT_EQ(api_->defer(nullptr), nullptr);
}

TEST(HookDecisionTest, InvalidDecisionsBecomeFailures) {
  auto read = [](proxy_verdict verdict, std::uint32_t status) {
    proxy_decision out = make_decision(verdict, status, "r");
    return read_decision(out, "p");
  };
  EXPECT_EQ(read(PROXY_VERDICT_REJECT, 0).verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(read(PROXY_VERDICT_REJECT, 700).verdict, PROXY_VERDICT_FAILED);
  // A rejection is an error answer: a 1xx, 2xx or 3xx would tell the client it worked.
  EXPECT_EQ(read(PROXY_VERDICT_REJECT, 200).verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(read(PROXY_VERDICT_REJECT, 399).verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(read(PROXY_VERDICT_REJECT, 400).status, 400);
  EXPECT_EQ(read(PROXY_VERDICT_REJECT, 599).status, 599);
  EXPECT_EQ(read(static_cast<proxy_verdict>(42), 0).verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(read(PROXY_VERDICT_FAILED, 0).status, 500);
  EXPECT_TRUE(read(PROXY_VERDICT_ALLOW, 0).plugin.empty());

  proxy_decision long_reason = make_decision(PROXY_VERDICT_REJECT, 403);
  std::memset(long_reason.reason, 'x', PROXY_REASON_MAX);
  long_reason.reason_len = 100000;  // lies: clamped to the buffer
  EXPECT_EQ(read_decision(long_reason, "p").reason.size(),
            static_cast<std::size_t>(PROXY_REASON_MAX));
}

TEST(HostApiTest, LogIsPrefixedAndClamped) {
  test::CapturedLog log;
  HostContext context("logger", {});
  const proxy_host_api* api = context.api();
  EXPECT_EQ(api->size, sizeof(proxy_host_api));
  EXPECT_EQ(api->abi_version, PROXY_SDK_ABI_VERSION);
  api->log(api->host, PROXY_LOG_WARN, {"careful", 7});
  api->log(api->host, 99, {"loud", 4});
  EXPECT_NE(log.text().find("warning [logger] careful"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("critical [logger] loud"), std::string::npos) << log.text();
}

TEST(HostApiTest, ScheduleWithoutTimersCancelsAtOnce) {
  HostContext context("timerless", {});
  const proxy_host_api* api = context.api();
  int calls = -1;
  api->schedule(
      api->host, 10, [](void* user, int cancelled) { *static_cast<int*>(user) = cancelled; },
      &calls);
  EXPECT_EQ(calls, 1);
}

TEST(HostApiTest, EndpointsOnlyAtCreationAndResponsesValidated) {
  EndpointRegistry endpoints;
  HostContext context(
      "admin", {.timers = nullptr, .endpoints = &endpoints, .counters = nullptr, .version = {}});
  const proxy_host_api* api = context.api();
  auto handler = [](void* user, const proxy_admin_request* request,
                    proxy_admin_response* response) {
    const proxy_host_api* host = static_cast<const proxy_host_api*>(user);
    host->response_set_status(response, 201);
    host->response_set_header(response, {"X-Path", 6}, request->path);
    host->response_set_header(response, {"Bad Name", 8}, {"v", 1});
    host->response_append(response, {"hello ", 6});
    host->response_append(response, request->client_ip);
  };
  auto user = const_cast<proxy_host_api*>(api);
  EXPECT_EQ(api->register_endpoint(api->host, {"/_admin", 7}, handler, user), 0);
  EXPECT_NE(api->register_endpoint(api->host, {"/_admin", 7}, handler, user), 0);
  EXPECT_NE(context.last_refusal().find("already registered by plugin 'admin'"), std::string::npos);
  EXPECT_NE(api->register_endpoint(api->host, {"no-slash", 8}, handler, user), 0);
  EXPECT_NE(api->register_endpoint(api->host, {"/a?b", 4}, handler, user), 0);
  for (const std::string_view core_path : {"/_health", "/_ready"}) {
    EXPECT_NE(
        api->register_endpoint(api->host, {core_path.data(), core_path.size()}, handler, user), 0);
    EXPECT_NE(context.last_refusal().find("is served by the core"), std::string::npos);
  }
  endpoints.seal();
  EXPECT_NE(api->register_endpoint(api->host, {"/_late", 6}, handler, user), 0);
  EXPECT_FALSE(endpoints.contains("/_late"));

  const auto reply = endpoints.dispatch("GET", "/_admin", "", "10.0.0.1");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->headers.get("X-Path"), "/_admin");
  EXPECT_EQ(reply->headers.size(), 1U);
  EXPECT_EQ(reply->body, "hello 10.0.0.1");
  EXPECT_EQ(endpoints.owner("/_admin"), "admin");
}

}  // namespace
}  // namespace proxy::host
