#include "access_line.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "transaction_fixture.hpp"

namespace proxy::plugins::json_log {
namespace {

using nlohmann::json;
using testing::TransactionFixture;

const std::vector<std::string> field_order = {
    "ts",        "event",       "conn_id",  "client_ip", "client_port", "method",
    "host",      "port",        "target",   "status",    "sni",         "bytes_in",
    "bytes_out", "duration_ms", "decision", "plugin",    "reason"};

std::vector<std::string> keys_in_order(const std::string& line) {
  std::vector<std::string> keys;
  const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(line);
  for (const auto& [key, value] : parsed.items()) {
    (void)value;
    keys.push_back(key);
  }
  return keys;
}

// Printable ASCII only: no byte can break the line or reach a terminal raw.
void expect_printable_ascii(const std::string& line) {
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    ASSERT_TRUE(byte >= 0x20 && byte < 0x7f) << "byte " << static_cast<int>(byte) << " in " << line;
  }
}

TEST(AccessLine, HoldsExactlyTheDesignFieldsInOrder) {
  TransactionFixture fixture;
  const std::string line = format_access_line(fixture.view());
  EXPECT_EQ(keys_in_order(line), field_order);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AccessLine, AllowedRequestValues) {
  TransactionFixture fixture;
  const json line = json::parse(format_access_line(fixture.view()));
  EXPECT_EQ(line["ts"], "2026-11-27T05:14:07.123Z");
  EXPECT_EQ(line["event"], "request");
  EXPECT_EQ(line["conn_id"], 42);
  EXPECT_EQ(line["client_ip"], "127.0.0.1");
  EXPECT_EQ(line["client_port"], 50123);
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["host"], "example.com");
  EXPECT_EQ(line["port"], 80);
  EXPECT_EQ(line["target"], "http://example.com/index.html");
  EXPECT_EQ(line["status"], 200);
  EXPECT_TRUE(line["sni"].is_null());
  EXPECT_EQ(line["bytes_in"], 120);
  EXPECT_EQ(line["bytes_out"], 3400);
  EXPECT_DOUBLE_EQ(line["duration_ms"].get<double>(), 12.345);
  EXPECT_EQ(line["decision"], "allow");
  EXPECT_TRUE(line["plugin"].is_null());
  EXPECT_TRUE(line["reason"].is_null());
}

TEST(AccessLine, TunnelCarriesSni) {
  TransactionFixture fixture;
  fixture.kind = PROXY_TRANSACTION_TUNNEL;
  fixture.method = "CONNECT";
  fixture.port = 443;
  fixture.target = "example.com:443";
  fixture.sni = "example.com";
  const json line = json::parse(format_access_line(fixture.view()));
  EXPECT_EQ(line["event"], "tunnel");
  EXPECT_EQ(line["sni"], "example.com");
  EXPECT_EQ(line["port"], 443);
}

TEST(AccessLine, RejectNamesThePluginAndReason) {
  TransactionFixture fixture;
  fixture.status = 429;
  fixture.verdict = PROXY_VERDICT_REJECT;
  fixture.decided_by = "rate_limiter";
  fixture.reason = "rate limit exceeded";
  const json line = json::parse(format_access_line(fixture.view()));
  EXPECT_EQ(line["event"], "blocked");
  EXPECT_EQ(line["decision"], "reject");
  EXPECT_EQ(line["plugin"], "rate_limiter");
  EXPECT_EQ(line["reason"], "rate limit exceeded");
  EXPECT_EQ(line["status"], 429);
}

TEST(AccessLine, FieldsThatDoNotApplyAreNullNotAbsent) {
  TransactionFixture fixture;
  fixture.kind = PROXY_TRANSACTION_CONNECTION;
  fixture.method.clear();
  fixture.host.clear();
  fixture.port = 0;
  fixture.target.clear();
  fixture.status = 0;
  fixture.bytes_in = 0;
  fixture.bytes_out = 0;
  fixture.duration_us = 0;
  fixture.verdict = PROXY_VERDICT_CLOSE;
  fixture.decided_by = "access_policy";
  const std::string text = format_access_line(fixture.view());
  EXPECT_EQ(keys_in_order(text), field_order);
  const json line = json::parse(text);
  for (const char* key : {"method", "host", "port", "target", "status", "sni", "reason"}) {
    EXPECT_TRUE(line[key].is_null()) << key;
  }
  EXPECT_EQ(line["bytes_in"], 0);
  EXPECT_EQ(line["bytes_out"], 0);
  EXPECT_EQ(line["duration_ms"], 0.0);
  EXPECT_EQ(line["decision"], "close");
  EXPECT_EQ(line["event"], "blocked");
}

TEST(AccessLine, QuotesBackslashesAndControlCharactersAreEscaped) {
  TransactionFixture fixture;
  fixture.target = std::string("http://h/\"q\"\\b\r\n{\"status\":1}\t\x01\x1b[31m\x7f|\0|", 39);
  const std::string text = format_access_line(fixture.view());
  expect_printable_ascii(text);
  const json line = json::parse(text);
  EXPECT_EQ(line["target"], fixture.target);  // escaped, not altered
  EXPECT_EQ(line["status"], 200);
  EXPECT_NE(text.find(R"(\"q\"\\b\r\n)"), std::string::npos) << text;
}

TEST(AccessLine, AForgedFieldStaysInsideItsString) {
  TransactionFixture fixture;
  fixture.reason = R"(x","decision":"allow","plugin":"none)";
  fixture.verdict = PROXY_VERDICT_REJECT;
  fixture.decided_by = "policy";
  fixture.status = 403;
  const json line = json::parse(format_access_line(fixture.view()));
  EXPECT_EQ(line.size(), field_order.size());
  EXPECT_EQ(line["decision"], "reject");
  EXPECT_EQ(line["plugin"], "policy");
  EXPECT_EQ(line["reason"], fixture.reason);
}

TEST(AccessLine, InvalidUtf8BecomesReplacementCharacters) {
  TransactionFixture fixture;
  fixture.target =
      "http://h/a\xff\xfe"
      "b\xc3"
      "c\xe2\x82"
      "d%ff";
  fixture.host = "bad\x80host";
  const std::string text = format_access_line(fixture.view());
  expect_printable_ascii(text);
  const json line = json::parse(text);
  const std::string replacement = "\xef\xbf\xbd";  // U+FFFD in UTF-8
  EXPECT_EQ(line["target"], "http://h/a" + replacement + replacement + "b" + replacement + "c" +
                                replacement + "d%ff");
  EXPECT_EQ(line["host"], "bad" + replacement + "host");
}

TEST(AccessLine, ValidNonAsciiIsEscapedNotDropped) {
  TransactionFixture fixture;
  fixture.target = "http://h/caf\xc3\xa9/\xe2\x80\xa8/\xf0\x9f\x98\x80";  // é, U+2028, emoji
  const std::string text = format_access_line(fixture.view());
  expect_printable_ascii(text);
  EXPECT_NE(text.find(R"(caf\u00e9/\u2028/\ud83d\ude00)"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text)["target"], fixture.target);
}

TEST(AccessLine, LargeCountersAreExact) {
  TransactionFixture fixture;
  fixture.bytes_in = 1ULL << 40U;
  fixture.bytes_out = (1ULL << 53U) + 1;
  fixture.conn_id = 18446744073709551615ULL;
  const json line = json::parse(format_access_line(fixture.view()));
  EXPECT_EQ(line["bytes_in"].get<std::uint64_t>(), 1ULL << 40U);
  EXPECT_EQ(line["bytes_out"].get<std::uint64_t>(), (1ULL << 53U) + 1);
  EXPECT_EQ(line["conn_id"].get<std::uint64_t>(), 18446744073709551615ULL);
}

}  // namespace
}  // namespace proxy::plugins::json_log
