#include "access_line.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rfc3339.hpp"
#include "transaction_fixture.hpp"
#include "transaction_outcome.hpp"

namespace proxy::plugins::json_log {
namespace {

using nlohmann::json;
using testing::TransactionFixture;

const std::vector<std::string> field_order = {
    "ts",       "event",  "conn_id", "client_ip", "client_port", "method",    "host",
    "port",     "target", "status",  "sni",       "bytes_in",    "bytes_out", "duration_ms",
    "decision", "plugin", "reason",  "user",      "upstream",    "peer_ip"};

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

// The line as the plugin built it before it wrote fields straight into its buffer: an
// ordered nlohmann object per line, dumped. The new writer must give the same bytes.
std::string reference_line(const sdk::Transaction& t) {
  using Json = nlohmann::ordered_json;
  const auto text_or_null = [](std::string_view text) {
    return text.empty() ? Json(nullptr) : Json(std::string(text));
  };
  const auto number_or_null = [](std::uint64_t number) {
    return number == 0 ? Json(nullptr) : Json(number);
  };
  Json line = Json::object();
  line["ts"] = format_rfc3339_ms(t.start_unix_ms());
  line["event"] = std::string(event_name(t));
  line["conn_id"] = t.conn_id();
  line["client_ip"] = std::string(t.client_ip());
  line["client_port"] = t.client_port();
  line["method"] = text_or_null(t.method());
  line["host"] = text_or_null(t.host());
  line["port"] = number_or_null(t.port());
  line["target"] = text_or_null(t.target());
  line["status"] = number_or_null(static_cast<std::uint64_t>(t.status()));
  line["sni"] = text_or_null(t.sni());
  line["bytes_in"] = t.bytes_client_to_upstream();
  line["bytes_out"] = t.bytes_upstream_to_client();
  line["duration_ms"] = static_cast<double>(t.duration_us()) / 1000.0;
  line["decision"] = std::string(decision_name(t));
  line["plugin"] = text_or_null(t.decided_by());
  line["reason"] = text_or_null(t.reason());
  line["user"] = t.user() ? Json(std::string(*t.user())) : Json(nullptr);
  line["upstream"] = t.upstream() ? Json(std::string(*t.upstream())) : Json(nullptr);
  line["peer_ip"] = text_or_null(t.peer_ip());
  return line.dump(-1, ' ', true, Json::error_handler_t::replace);
}

TEST(AccessLine, TheUserAttributeIsAFieldAndNullWhenUnset) {
  TransactionFixture fixture;
  EXPECT_TRUE(json::parse(format_access_line(fixture.view()))["user"].is_null());
  fixture.user = "alice \"admin\"";
  EXPECT_EQ(json::parse(format_access_line(fixture.view()))["user"], "alice \"admin\"");
  fixture.user = "";  // set, but empty: a name, not an absence
  EXPECT_EQ(json::parse(format_access_line(fixture.view()))["user"], "");
}

TEST(AccessLine, TheUpstreamIsDirectOrTheParentAndNullWhenNoneWasTried) {
  TransactionFixture fixture;
  EXPECT_EQ(json::parse(format_access_line(fixture.view()))["upstream"], "direct");
  fixture.upstream = "corp";
  EXPECT_EQ(json::parse(format_access_line(fixture.view()))["upstream"], "corp");
  fixture.upstream.reset();  // refused before any upstream was tried
  EXPECT_TRUE(json::parse(format_access_line(fixture.view()))["upstream"].is_null());
}

TEST(AccessLine, AnOlderHostsShorterTransactionHasNoUpstream) {
  TransactionFixture fixture;
  fixture.upstream = "corp";
  proxy_transaction abi{};
  abi.size = offsetof(proxy_transaction, upstream);  // what a 1.2 host writes
  abi.upstream = sdk::to_str(*fixture.upstream);
  EXPECT_FALSE(sdk::Transaction(abi).upstream().has_value());
}

TEST(AccessLine, ThePeerIpIsTheBalancerAndNullWithoutPROXYProtocol) {
  TransactionFixture fixture;
  EXPECT_TRUE(json::parse(format_access_line(fixture.view()))["peer_ip"].is_null());
  fixture.client_ip = "192.0.2.1";
  fixture.peer_ip = "127.0.0.1";
  const json line = json::parse(format_access_line(fixture.view()));
  EXPECT_EQ(line["client_ip"], "192.0.2.1");
  EXPECT_EQ(line["peer_ip"], "127.0.0.1");
}

TEST(AccessLine, SameBytesAsTheNlohmannObjectItReplaces) {
  std::mt19937_64 random(1795756447123);
  const std::string alphabet =
      "az09:/?%\"\\{}\x01\n\x7f\x80\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff";
  const auto text = [&](std::size_t max_length) {
    std::string out(random() % (max_length + 1), ' ');
    for (char& c : out) {
      c = alphabet[random() % alphabet.size()];
    }
    return out;
  };
  const std::uint32_t kinds[] = {PROXY_TRANSACTION_REQUEST, PROXY_TRANSACTION_TUNNEL,
                                 PROXY_TRANSACTION_CONNECTION};
  const std::uint32_t verdicts[] = {PROXY_VERDICT_ALLOW, PROXY_VERDICT_REJECT, PROXY_VERDICT_CLOSE,
                                    PROXY_VERDICT_FAILED};
  for (int round = 0; round < 20'000; ++round) {
    TransactionFixture fixture;
    fixture.kind = kinds[random() % 3];
    fixture.verdict = verdicts[random() % 4];
    fixture.conn_id = random() >> (random() % 64);
    fixture.client_ip = random() % 2 == 0 ? "127.0.0.1" : "2001:db8::" + text(6);
    fixture.client_port = static_cast<std::uint16_t>(random());
    fixture.method = text(8);
    fixture.host = text(20);
    fixture.port = static_cast<std::uint16_t>(random() % 3 == 0 ? 0 : random());
    fixture.target = text(60);
    fixture.status = static_cast<std::uint32_t>(random() % 4 == 0 ? 0 : random() % 600);
    fixture.sni = text(12);
    fixture.bytes_in = random() >> (random() % 64);
    fixture.bytes_out = random() >> (random() % 64);
    fixture.start_unix_ms = static_cast<std::int64_t>(random() % 4'000'000'000'000ULL);
    // Durations up to about 35 years (2^50 us): the double's shortest text and the exact
    // milliseconds agree there.
    fixture.duration_us = (random() >> 14U) >> (random() % 50);
    fixture.decided_by = text(12);
    fixture.reason = text(40);
    fixture.user = random() % 2 == 0 ? std::optional<std::string>(text(20)) : std::nullopt;
    fixture.peer_ip = random() % 2 == 0 ? "" : "10.0.0." + text(3);
    fixture.upstream = random() % 3 == 0 ? std::optional<std::string>(text(10)) : std::nullopt;
    const sdk::Transaction& view = fixture.view();
    ASSERT_EQ(format_access_line(view), reference_line(view)) << "round " << round;
  }
}

TEST(AccessLine, DurationsAreExactMilliseconds) {
  TransactionFixture fixture;
  const std::pair<std::uint64_t, const char*> cases[] = {
      {0, "0.0"},
      {1, "0.001"},
      {10, "0.01"},
      {100, "0.1"},
      {999, "0.999"},
      {1000, "1.0"},
      {12300, "12.3"},
      {12340, "12.34"},
      {12345, "12.345"},
      {60'000'000, "60000.0"},
      {1'000'001, "1000.001"},
      {18446744073709551615ULL, "18446744073709551.615"}};
  for (const auto& [us, text] : cases) {
    fixture.duration_us = us;
    const std::string line = format_access_line(fixture.view());
    EXPECT_NE(line.find(std::string(",\"duration_ms\":") + text + ","), std::string::npos)
        << us << ": " << line;
  }
}

TEST(AccessLine, AppendsAfterWhatTheBufferHolds) {
  TransactionFixture fixture;
  std::string buffer = "earlier line\n";
  append_access_line(buffer, fixture.view());
  EXPECT_EQ(buffer, "earlier line\n" + format_access_line(fixture.view()));
}

}  // namespace
}  // namespace proxy::plugins::json_log
