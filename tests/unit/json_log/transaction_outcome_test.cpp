#include "transaction_outcome.hpp"

#include <gtest/gtest.h>

#include "transaction_fixture.hpp"

namespace proxy::plugins::json_log {
namespace {

using testing::TransactionFixture;

struct Outcome {
  std::string_view event;
  std::string_view decision;
};

Outcome outcome_of(TransactionFixture& fixture) {
  const sdk::Transaction& t = fixture.view();
  return {event_name(t), decision_name(t)};
}

void expect_outcome(TransactionFixture fixture, std::string_view event, std::string_view decision) {
  const Outcome got = outcome_of(fixture);
  EXPECT_EQ(got.event, event);
  EXPECT_EQ(got.decision, decision);
}

TransactionFixture with(std::uint32_t kind, std::uint32_t verdict, std::uint32_t status,
                        std::string decided_by) {
  TransactionFixture fixture;
  fixture.kind = kind;
  fixture.verdict = verdict;
  fixture.status = status;
  fixture.decided_by = std::move(decided_by);
  return fixture;
}

TEST(TransactionOutcome, AllowedRequestAndTunnel) {
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_ALLOW, 200, ""), "request", "allow");
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_ALLOW, 404, ""), "request", "allow");
  expect_outcome(with(PROXY_TRANSACTION_TUNNEL, PROXY_VERDICT_ALLOW, 200, ""), "tunnel", "allow");
}

TEST(TransactionOutcome, AnOriginErrorIsAnErrorButAllowed) {
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_ALLOW, 502, ""), "error", "allow");
}

TEST(TransactionOutcome, PluginVerdicts) {
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_REJECT, 403, "access_policy"),
                 "blocked", "reject");
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_REJECT, 429, "rate_limiter"),
                 "blocked", "reject");
  expect_outcome(with(PROXY_TRANSACTION_TUNNEL, PROXY_VERDICT_CLOSE, 200, "sni_policy"), "blocked",
                 "close");
  expect_outcome(with(PROXY_TRANSACTION_CONNECTION, PROXY_VERDICT_CLOSE, 0, "access_policy"),
                 "blocked", "close");
}

TEST(TransactionOutcome, AFailedHookIsAnError) {
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_FAILED, 500, "probe"), "error",
                 "reject");
  expect_outcome(with(PROXY_TRANSACTION_TUNNEL, PROXY_VERDICT_FAILED, 0, "probe"), "error",
                 "close");
}

TEST(TransactionOutcome, APluginRejectWithA5xxIsAnError) {
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_REJECT, 503, "probe"), "error",
                 "reject");
}

TEST(TransactionOutcome, TheCoreRefusingOnItsOwn) {
  // upstream.deny_networks: the core answers 403 and names itself.
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_ALLOW, 403, "core"), "blocked",
                 "reject");
  // Upstream unreachable or timed out.
  expect_outcome(with(PROXY_TRANSACTION_TUNNEL, PROXY_VERDICT_ALLOW, 502, "core"), "error",
                 "reject");
  expect_outcome(with(PROXY_TRANSACTION_REQUEST, PROXY_VERDICT_ALLOW, 504, "core"), "error",
                 "reject");
}

}  // namespace
}  // namespace proxy::plugins::json_log
