#include "transaction_record.hpp"

#include <gtest/gtest.h>

#include "transaction_fixture.hpp"

namespace proxy::plugins::metrics {
namespace {

using Kind = TransactionRecord::Kind;
using testing::TransactionFixture;

TEST(TransactionRecord, CopiesTheFiguresOfAForwardedRequest) {
  TransactionFixture t;
  t.method = "POST";
  t.status = 201;
  t.bytes_client_to_upstream = 300;
  t.bytes_upstream_to_client = 4000;
  t.duration_us = 12345;
  t.worker = 3;
  const TransactionRecord record = record_of(t.view());
  EXPECT_EQ(record.kind, Kind::request);
  EXPECT_EQ(record.method, "POST");
  EXPECT_EQ(record.status, 201);
  EXPECT_EQ(record.bytes_client_to_upstream, 300U);
  EXPECT_EQ(record.bytes_upstream_to_client, 4000U);
  EXPECT_EQ(record.duration_us, 12345U);
  EXPECT_EQ(record.worker, 3U);
  EXPECT_FALSE(record.blocked);
}

TEST(TransactionRecord, TakesTheAuthFailureAttribute) {
  TransactionFixture t;
  EXPECT_TRUE(record_of(t.view()).auth_failure.empty());
  t.status = 407;
  t.attributes = {{"user", "alice"}, {"auth_failure", "invalid_credentials"}};
  EXPECT_EQ(record_of(t.view()).auth_failure, "invalid_credentials");
}

TEST(TransactionRecord, TakesTheRateLimitAttributes) {
  TransactionFixture t;
  EXPECT_TRUE(record_of(t.view()).rate_limit.empty());
  EXPECT_TRUE(record_of(t.view()).rate_limit_error.empty());
  t.attributes = {{"rate_limit", "error_allowed"}, {"rate_limit_error", "timeout"}};
  EXPECT_EQ(record_of(t.view()).rate_limit, "error_allowed");
  EXPECT_EQ(record_of(t.view()).rate_limit_error, "timeout");
}

TEST(TransactionRecord, TakesTheStoreLatencyOnlyWhenItIsADecimalNumber) {
  TransactionFixture t;
  EXPECT_FALSE(record_of(t.view()).rate_limit_store_us.has_value());
  t.attributes = {{"rate_limit", "allowed"}, {"rate_limit_store_us", "1234"}};
  EXPECT_EQ(record_of(t.view()).rate_limit_store_us, 1234U);
  for (const char* bad : {"", "12x", "-1", " 12", "99999999999999999999999"}) {
    t.attributes = {{"rate_limit", "allowed"}, {"rate_limit_store_us", bad}};
    EXPECT_FALSE(record_of(t.view()).rate_limit_store_us.has_value()) << bad;
  }
}

TEST(TransactionRecord, OriginFormRequestsAreAdmin) {
  TransactionFixture t;
  t.target = "/_metrics";
  EXPECT_EQ(record_of(t.view()).kind, Kind::admin);
  t.target = "http://example.test/_metrics";
  EXPECT_EQ(record_of(t.view()).kind, Kind::request);
  t.target = "";  // unparsable targets are refused as proxy requests (400)
  EXPECT_EQ(record_of(t.view()).kind, Kind::request);
}

TEST(TransactionRecord, TunnelsAndConnectionsKeepTheirKind) {
  TransactionFixture t;
  t.kind = PROXY_TRANSACTION_TUNNEL;
  t.method = "CONNECT";
  t.target = "example.test:443";
  EXPECT_EQ(record_of(t.view()).kind, Kind::tunnel);
  t.kind = PROXY_TRANSACTION_CONNECTION;
  t.target = "/looks-like-admin";  // a connection summary is never an admin request
  EXPECT_EQ(record_of(t.view()).kind, Kind::connection);
}

TEST(TransactionRecord, RejectAndCloseVerdictsAreBlocks) {
  TransactionFixture t;
  t.verdict = PROXY_VERDICT_REJECT;
  t.status = 403;
  t.decided_by = "access_policy";
  auto record = record_of(t.view());
  EXPECT_TRUE(record.blocked);
  EXPECT_EQ(record.blocked_by, "access_policy");

  t.verdict = PROXY_VERDICT_CLOSE;
  t.status = 0;
  t.decided_by = "sni_policy";
  record = record_of(t.view());
  EXPECT_TRUE(record.blocked);
  EXPECT_EQ(record.blocked_by, "sni_policy");

  // A deferred decision that timed out is the plugin's reject with 503.
  t.verdict = PROXY_VERDICT_REJECT;
  t.status = 503;
  t.decided_by = "slow_auth";
  EXPECT_TRUE(record_of(t.view()).blocked);

  t.decided_by = "";
  EXPECT_EQ(record_of(t.view()).blocked_by, "unknown");
}

TEST(TransactionRecord, CoreRefusalsCountOnlyWhenTheyAre4xx) {
  TransactionFixture t;
  t.decided_by = "core";
  t.status = 403;  // upstream.deny_networks
  auto record = record_of(t.view());
  EXPECT_TRUE(record.blocked);
  EXPECT_EQ(record.blocked_by, "core");
  for (const std::uint32_t status : {502U, 504U}) {  // unreachable or slow upstream
    t.status = status;
    EXPECT_FALSE(record_of(t.view()).blocked) << status;
  }
}

TEST(TransactionRecord, FailedHooksAndPlainErrorsAreNotBlocks) {
  TransactionFixture t;
  t.verdict = PROXY_VERDICT_FAILED;
  t.status = 500;
  t.decided_by = "buggy_plugin";
  EXPECT_FALSE(record_of(t.view()).blocked);

  TransactionFixture origin_error;
  origin_error.status = 404;  // the origin's own answer: allowed, no decider
  EXPECT_FALSE(record_of(origin_error.view()).blocked);
}

}  // namespace
}  // namespace proxy::plugins::metrics
