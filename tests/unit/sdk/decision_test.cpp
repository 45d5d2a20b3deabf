#include "proxy/sdk/decision.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace {

using proxy::sdk::Completion;
using proxy::sdk::Decision;
using proxy::sdk::Route;

// Records what a Completion hands to the host.
std::vector<proxy_decision> completed;

void record_complete(proxy_completion* /*completion*/, const proxy_decision* decision) {
  completed.push_back(*decision);
}

proxy_host_api recording_host() {
  proxy_host_api host{};
  host.size = sizeof(host);
  host.complete = &record_complete;
  return host;
}

proxy_completion* fake_token() {
  static int token = 0;
  return reinterpret_cast<proxy_completion*>(&token);
}

TEST(Decision, RoundTripsThroughTheAbiStruct) {
  proxy_decision out{};
  Decision::reject(403, "blocked domain").write(out);
  const Decision back = Decision::read(out);
  EXPECT_EQ(back.kind(), Decision::Kind::reject);
  EXPECT_EQ(back.status(), 403);
  EXPECT_EQ(back.reason(), "blocked domain");
}

TEST(Decision, CutsReasonToTheAbiLimit) {
  proxy_decision out{};
  Decision::reject(400, std::string(1000, 'x')).write(out);
  EXPECT_EQ(out.reason_len, PROXY_REASON_MAX);
  EXPECT_EQ(Decision::read(out).reason().size(), PROXY_REASON_MAX);
}

TEST(Completion, CompletesOnce) {
  completed.clear();
  const proxy_host_api host = recording_host();
  Completion completion(&host, fake_token());
  completion.complete(Decision::reject(451, "legal"));
  completion.complete(Decision::allow());
  ASSERT_EQ(completed.size(), 1U);
  EXPECT_EQ(completed[0].verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(completed[0].status, 451U);
  EXPECT_FALSE(completion.pending());
}

TEST(Completion, FailsClosedWhenDropped) {
  completed.clear();
  const proxy_host_api host = recording_host();
  { Completion dropped(&host, fake_token()); }
  ASSERT_EQ(completed.size(), 1U);
  EXPECT_EQ(completed[0].verdict, PROXY_VERDICT_FAILED);
  EXPECT_EQ(completed[0].status, 500U);
}

TEST(Completion, MoveTransfersTheDuty) {
  completed.clear();
  const proxy_host_api host = recording_host();
  Completion first(&host, fake_token());
  Completion second(std::move(first));
  EXPECT_FALSE(first.pending());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  second.complete(Decision::allow());
  ASSERT_EQ(completed.size(), 1U);
  EXPECT_EQ(completed[0].verdict, PROXY_VERDICT_ALLOW);
}

TEST(Completion, RefusesDeferredAsAnAnswer) {
  completed.clear();
  const proxy_host_api host = recording_host();
  Completion completion(&host, fake_token());
  completion.complete(Decision::deferred());
  ASSERT_EQ(completed.size(), 1U);
  EXPECT_EQ(completed[0].verdict, PROXY_VERDICT_FAILED);
}

TEST(Decision, RateLimitedCarriesRetryAfterThroughTheAbi) {
  proxy_decision out{};
  out.size = sizeof(out);
  Decision::rate_limited("slow down", 7).write(out);
  EXPECT_EQ(out.verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(out.status, 429U);
  EXPECT_EQ(out.retry_after_seconds, 7U);
  EXPECT_EQ(Decision::read(out).retry_after_seconds(), 7U);
  EXPECT_EQ(Decision::rate_limited("at least one second", 0).retry_after_seconds(), 1U);
}

TEST(Decision, UnavailableIs503WithAnOptionalRetryAfter) {
  proxy_decision out{};
  out.size = sizeof(out);
  Decision::unavailable("backend down", 30).write(out);
  EXPECT_EQ(out.verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(out.status, 503U);
  EXPECT_EQ(out.retry_after_seconds, 30U);
  EXPECT_EQ(Decision::unavailable("backend down").retry_after_seconds(), 0U);  // none sent
}

TEST(Decision, ARouteThroughParentsCrossesTheAbi) {
  proxy_decision out{};
  out.size = sizeof(out);
  const Decision decision = Decision::allow().with_route(Route::via(
      {{"corp", "proxy.corp.example", 3128, "Basic dTpw"}, {"backup", "::1", 8080, ""}}));
  decision.write(out);
  EXPECT_EQ(out.verdict, PROXY_VERDICT_ALLOW);
  EXPECT_EQ(out.route, static_cast<std::uint32_t>(PROXY_ROUTE_PARENTS));
  ASSERT_EQ(out.parent_count, 2U);
  EXPECT_EQ(std::string(out.parents[0].name.ptr, out.parents[0].name.len), "corp");
  EXPECT_EQ(out.parents[0].port, 3128);
  EXPECT_EQ(std::string(out.parents[1].host.ptr, out.parents[1].host.len), "::1");
  const Decision read = Decision::read(out);
  ASSERT_EQ(read.route().kind(), Route::Kind::parents);
  ASSERT_EQ(read.route().parents().size(), 2U);
  EXPECT_EQ(read.route().parents()[0].authorization, "Basic dTpw");
  EXPECT_EQ(read.route().parents()[1].name, "backup");

  Decision::allow().with_route(Route::direct()).write(out);
  EXPECT_EQ(out.route, static_cast<std::uint32_t>(PROXY_ROUTE_DIRECT));
  EXPECT_EQ(out.parent_count, 0U);
  Decision::allow().write(out);
  EXPECT_EQ(out.route, static_cast<std::uint32_t>(PROXY_ROUTE_UNSET));
}

TEST(Decision, ARouteIsNotWrittenPastAnOlderHostsStruct) {
  proxy_decision out{};
  out.size = offsetof(proxy_decision, route);  // as a 1.2 host sized it
  out.route = 99;
  Decision::allow().with_route(Route::direct()).write(out);
  EXPECT_EQ(out.route, 99U);
  EXPECT_EQ(Decision::read(out).route().kind(), Route::Kind::unset);
}

TEST(Decision, RetryAfterIsNotWrittenPastAnOlderHostsStruct) {
  proxy_decision out{};
  out.size = offsetof(proxy_decision, retry_after_seconds);  // as a 1.0 host sized it
  out.retry_after_seconds = 99;
  Decision::rate_limited("slow down", 7).write(out);
  EXPECT_EQ(out.status, 429U);
  EXPECT_EQ(out.retry_after_seconds, 99U);
  EXPECT_EQ(Decision::read(out).retry_after_seconds(), 0U);
}

}  // namespace
