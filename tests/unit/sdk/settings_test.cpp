#include "proxy/sdk/settings.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace proxy::sdk {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The line the host prints for what `fn` throws (as plugin "p"), or "<none>".
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const SettingsError& e) {
    return e.message_for("p");
  }
  return "<none>";
}

// ---- The settings map itself ------------------------------------------------------------

TEST(SettingsReader, NullAndEmptySettingsGiveEveryDefault) {
  for (const json& settings : {json(), json::object()}) {
    const SettingsReader reader(settings, {"a", "b", "c"});
    EXPECT_TRUE(reader.boolean("a", true));
    EXPECT_EQ(reader.integer("b", 7, 0, 10), 7);
    EXPECT_EQ(reader.strings("c", {"x"}), std::vector<std::string>{"x"});
    EXPECT_FALSE(reader.has("a"));
  }
}

TEST(SettingsReader, SettingsMustBeAMap) {
  EXPECT_EQ(error_of([] { SettingsReader(json::array({1}), {"a"}); }),
            "plugins.settings.p: expected a map of settings, got a list of 1 entry");
  EXPECT_EQ(error_of([] { SettingsReader(json("-"), {"a"}); }),
            "plugins.settings.p: expected a map of settings, got \"-\"");
}

TEST(SettingsReader, UnknownKeysAreRefusedNamingTheKnownOnes) {
  const json settings = {{"path", "-"}, {"paht", "-"}};
  EXPECT_EQ(error_of([&] {
              SettingsReader(settings, {"path", "queue_size"});
            }),
            "plugins.settings.p.paht: unknown setting (expected one of: path, queue_size)");
  EXPECT_EQ(error_of([&] { SettingsReader(settings, {}); }),
            "plugins.settings.p.paht: unknown setting (no settings are accepted here)");
}

TEST(SettingsReader, ReadingAnUndeclaredKeyIsAPluginBug) {
  const SettingsReader reader(json::object(), {"a"});
  EXPECT_THROW(reader.boolean("b", false), std::logic_error);
  EXPECT_THROW(reader.section("b", {}), std::logic_error);
}

TEST(SettingsReader, NullValueIsAnErrorNotTheDefault) {
  const json settings = {{"a", nullptr}};
  const SettingsReader reader(settings, {"a"});
  EXPECT_TRUE(reader.has("a"));
  EXPECT_EQ(error_of([&] { reader.boolean("a", true); }),
            "plugins.settings.p.a: expected true or false, got nothing (null); remove the key "
            "for the default");
  EXPECT_EQ(error_of([&] { reader.strings("a", {}); }),
            "plugins.settings.p.a: expected a list, each entry a string, got nothing (null); "
            "remove the key for the default");
}

TEST(SettingsReader, RequiredKeys) {
  const json settings = {{"given", "users.htpasswd"}, {"empty", nullptr}};
  const SettingsReader reader(settings, {"given", "missing", "empty"});
  EXPECT_EQ(reader.get("given", setting::Text{}, required), "users.htpasswd");
  EXPECT_EQ(error_of([&] { reader.get("missing", setting::Text{"a file path"}, required); }),
            "plugins.settings.p.missing: required setting missing (expected a file path)");
  EXPECT_EQ(error_of([&] { reader.get("empty", setting::Text{"a file path"}, required); }),
            "plugins.settings.p.empty: expected a file path, got nothing (null)");
  EXPECT_EQ(error_of([&] { reader.list("missing", setting::Text{}, required); }),
            "plugins.settings.p.missing: required setting missing (expected a list, each "
            "entry a string)");
}

// ---- Scalars ----------------------------------------------------------------------------

TEST(SettingsReader, Booleans) {
  const json settings = {{"t", true}, {"s", "true"}, {"n", 1}};
  const SettingsReader reader(settings, {"t", "s", "n"});
  EXPECT_TRUE(reader.boolean("t", false));
  EXPECT_EQ(error_of([&] { reader.boolean("s", false); }),
            "plugins.settings.p.s: expected true or false, got \"true\"");
  EXPECT_EQ(error_of([&] { reader.boolean("n", false); }),
            "plugins.settings.p.n: expected true or false, got 1");
}

TEST(SettingsReader, IntegersHonourTheirRange) {
  const json settings = {{"low", 1}, {"high", 4294967295U}, {"zero", 0}, {"over", 4294967296U}};
  const SettingsReader reader(settings, {"low", "high", "zero", "over"});
  EXPECT_EQ(reader.integer<std::uint32_t>("low", 5, 1, 4294967295U), 1U);
  EXPECT_EQ(reader.integer<std::uint32_t>("high", 5, 1, 4294967295U), 4294967295U);
  EXPECT_EQ(error_of([&] { reader.integer<std::uint32_t>("zero", 5, 1, 4294967295U); }),
            "plugins.settings.p.zero: expected an integer from 1 to 4294967295, got 0");
  EXPECT_EQ(error_of([&] { reader.integer<std::uint32_t>("over", 5, 1, 4294967295U); }),
            "plugins.settings.p.over: expected an integer from 1 to 4294967295, got 4294967296");
}

TEST(SettingsReader, IntegersRefuseOtherTypesAndNeverWrap) {
  for (const json& bad : {json(2.5), json(443.0), json("443"), json(true), json::array(), json(-1),
                          json(std::numeric_limits<std::uint64_t>::max())}) {
    const json settings = {{"n", bad}};
    const SettingsReader reader(settings, {"n"});
    EXPECT_EQ(error_of([&] { reader.integer<std::int64_t>("n", 1, 0, 100); }),
              "plugins.settings.p.n: expected an integer from 0 to 100, got " +
                  SettingsReader::describe(bad));
  }
  const json negative = {{"n", -5}};
  EXPECT_EQ(SettingsReader(negative, {"n"}).integer("n", 0, -10, 10), -5);
  const json huge = {{"n", std::numeric_limits<std::uint64_t>::max()}};
  EXPECT_EQ(SettingsReader(huge, {"n"})
                .integer<std::uint64_t>("n", 0, 0, std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(SettingsReader, NumbersHonourTheirRange) {
  const json settings = {{"i", 3}, {"f", 0.25}, {"low", -0.5}, {"high", 1e300}, {"b", false}};
  const SettingsReader reader(settings, {"i", "f", "low", "high", "b"});
  EXPECT_EQ(reader.number("i", 0, -1, 10), 3.0);
  EXPECT_EQ(reader.number("f", 0, -1, 10), 0.25);
  EXPECT_EQ(error_of([&] { reader.number("low", 0, 0, 10); }),
            "plugins.settings.p.low: expected a number from 0 to 10, got -0.5");
  EXPECT_EQ(error_of([&] { reader.number("high", 0, 0, 0.5); }),
            "plugins.settings.p.high: expected a number from 0 to 0.5, got 1e+300");
  EXPECT_EQ(error_of([&] { reader.number("b", 0, 0, 10); }),
            "plugins.settings.p.b: expected a number from 0 to 10, got false");
  const json zero = {{"z", 0}};
  EXPECT_EQ(error_of([&] {
              SettingsReader(zero, {"z"})
                  .get("z", setting::Number{.min = 0, .max = 1, .above_min = true}, 0.5);
            }),
            "plugins.settings.p.z: expected a number greater than 0 and at most 1, got 0");
}

TEST(SettingsReader, SecondsAreDurationsAsTheCoreReadsThem) {
  const json settings = {{"int", 5}, {"frac", 0.25}, {"step", 0.0004}, {"half", 0.0015}};
  const SettingsReader reader(settings, {"int", "frac", "step", "half", "absent"});
  EXPECT_EQ(reader.seconds("int", 1s, 3600), 5000ms);
  EXPECT_EQ(reader.seconds("frac", 1s, 3600), 250ms);
  EXPECT_EQ(reader.seconds("half", 1s, 3600), 2ms);  // rounded to whole milliseconds
  EXPECT_EQ(reader.seconds("absent", 1500ms, 3600), 1500ms);
  EXPECT_EQ(error_of([&] { reader.seconds("step", 1s, 3600); }),
            "plugins.settings.p.step: expected a number of seconds greater than 0 and at most "
            "3600, got 0.0004 (the smallest step is 0.001)");
  for (const json& bad : {json(0), json(-1), json(3601), json("5"), json(false)}) {
    const json s = {{"t", bad}};
    EXPECT_EQ(error_of([&] { SettingsReader(s, {"t"}).seconds("t", 1s, 3600); }),
              "plugins.settings.p.t: expected a number of seconds greater than 0 and at most "
              "3600, got " +
                  SettingsReader::describe(bad));
  }
  const json zero = {{"t", 0}};
  EXPECT_EQ(
      SettingsReader(zero, {"t"}).get("t", setting::Seconds{.max = 60, .allow_zero = true}, 1000ms),
      0ms);
  const json late = {{"t", 61}};
  EXPECT_EQ(error_of([&] {
              SettingsReader(late, {"t"})
                  .get("t", setting::Seconds{.max = 60, .allow_zero = true}, 1000ms);
            }),
            "plugins.settings.p.t: expected a number of seconds from 0 to 60, got 61");
}

TEST(SettingsReader, StringsWithAndWithoutAChecks) {
  const json settings = {{"path", "stats"}, {"ok", "/stats"}, {"n", 5}};
  const SettingsReader reader(settings, {"path", "ok", "n"});
  const setting::Text endpoint{"a path such as \"/_metrics\"", [](std::string_view text) {
                                 return text.starts_with('/') ? "" : "it must start with '/'";
                               }};
  EXPECT_EQ(reader.get("ok", endpoint, "/x"), "/stats");
  EXPECT_EQ(error_of([&] { reader.get("path", endpoint, "/x"); }),
            "plugins.settings.p.path: expected a path such as \"/_metrics\", got \"stats\" (it "
            "must start with '/')");
  EXPECT_EQ(error_of([&] { reader.string("n", "x"); }),
            "plugins.settings.p.n: expected a string, got 5");
}

TEST(SettingsReader, ChoicesAreExact) {
  const json settings = {{"ok", "block"}, {"case", "Block"}, {"type", 1}};
  const SettingsReader reader(settings, {"ok", "case", "type"});
  EXPECT_EQ(reader.choice("ok", {"block", "allow"}, "allow"), "block");
  EXPECT_EQ(error_of([&] {
              reader.choice("case", {"block", "allow"}, "allow");
            }),
            "plugins.settings.p.case: expected one of block | allow, got \"Block\"");
  EXPECT_EQ(error_of([&] {
              reader.choice("type", {"block", "allow"}, "allow");
            }),
            "plugins.settings.p.type: expected one of block | allow, got 1");
}

TEST(SettingsReader, FoundValuesAreQuotedAndCut) {
  EXPECT_EQ(SettingsReader::describe(json("a\r\nb")), "\"a\\r\\nb\"");
  EXPECT_EQ(SettingsReader::describe(json(std::string(300, 'x'))),
            "\"" + std::string(100, 'x') + "\"...");
  EXPECT_EQ(SettingsReader::describe(json::array()), "an empty list");
  EXPECT_EQ(SettingsReader::describe(json::array({1, 2})), "a list of 2 entries");
  EXPECT_EQ(SettingsReader::describe(json::object({{"a", 1}})), "a map");
  EXPECT_EQ(SettingsReader::describe(json("caf\xff")), "\"caf\xef\xbf\xbd\"");
}

// ---- Lists ------------------------------------------------------------------------------

TEST(SettingsReader, ListErrorsNameTheEntry) {
  const json settings = {{"ports", {443, 8443, 0}}, {"names", {"a", "b", 3}}, {"scalar", 443}};
  const SettingsReader reader(settings, {"ports", "names", "scalar"});
  const setting::Integer<std::uint16_t> port{1, 65535};
  EXPECT_EQ(error_of([&] { reader.list("ports", port, {}); }),
            "plugins.settings.p.ports[2]: expected an integer from 1 to 65535, got 0");
  EXPECT_EQ(error_of([&] { reader.strings("names", {}); }),
            "plugins.settings.p.names[2]: expected a string, got 3");
  EXPECT_EQ(error_of([&] { reader.list("scalar", port, {}); }),
            "plugins.settings.p.scalar: expected a list, each entry an integer from 1 to 65535, "
            "got 443");
  const json good = {{"ports", {1, 443, 65535}}};
  EXPECT_EQ(SettingsReader(good, {"ports"}).list("ports", port, {}),
            (std::vector<std::uint16_t>{1, 443, 65535}));
}

TEST(SettingsReader, ListSizeIsBounded) {
  const json settings = {{"empty", json::array()}, {"long", {1, 2, 3}}, {"ok", {1}}};
  const SettingsReader reader(settings, {"empty", "long", "ok", "absent"});
  const setting::Number bound{0, 10};
  EXPECT_EQ(error_of([&] { reader.list("empty", bound, {}, {.min = 1, .max = 2}); }),
            "plugins.settings.p.empty: expected a list of 1 to 2 entries, got an empty list");
  EXPECT_EQ(error_of([&] { reader.list("long", bound, {}, {.min = 1, .max = 2}); }),
            "plugins.settings.p.long: expected a list of 1 to 2 entries, got a list of 3 entries");
  EXPECT_EQ(error_of([&] { reader.list("empty", bound, {}, {.min = 1}); }),
            "plugins.settings.p.empty: expected a non-empty list, got an empty list");
  EXPECT_EQ(reader.list("ok", bound, {}, {.min = 1, .max = 2}), std::vector<double>{1});
  EXPECT_EQ(reader.list("absent", bound, {5}, {.min = 1}), std::vector<double>{5});
}

TEST(SettingsReader, NetworksAreCidrWithTheReason) {
  const json settings = {{"allow", {"10.0.0.0/8", "::1/128", "10.0.0.0/33"}},
                         {"host", {"localhost"}},
                         {"good", {"10.0.0.0/8", "192.168.1.1"}}};
  const SettingsReader reader(settings, {"allow", "host", "good", "absent"});
  EXPECT_EQ(error_of([&] { reader.networks("allow", {}); }),
            "plugins.settings.p.allow[2]: expected an IP address or network such as 10.0.0.0/8 "
            "or ::1/128, got \"10.0.0.0/33\" (the prefix length is above /32)");
  EXPECT_EQ(error_of([&] { reader.networks("host", {}); }),
            "plugins.settings.p.host[0]: expected an IP address or network such as 10.0.0.0/8 "
            "or ::1/128, got \"localhost\" (not an IP address)");
  const NetworkList good = reader.networks("good", {});
  EXPECT_TRUE(good.contains("10.9.9.9"));
  EXPECT_TRUE(good.contains("192.168.1.1"));
  EXPECT_FALSE(good.contains("192.168.1.2"));
  const NetworkList fallback = reader.networks("absent", {"127.0.0.0/8", "::1/128"});
  EXPECT_EQ(fallback.size(), 2U);
  EXPECT_TRUE(fallback.contains("::1"));
  EXPECT_THROW(reader.networks("absent", {"nope"}), std::logic_error);
}

// ---- Nested maps and a plugin's own checks -----------------------------------------------

TEST(SettingsReader, SectionsNameTheirPath) {
  const json settings = {
      {"redis", {{"address", "127.0.0.1:6379"}, {"timeout_ms", 0}, {"extra", 1}}},
      {"routes", {{{"via", "direct"}}, {{"via", 5}}}},
      {"parents", {{"corp", {{"port", 99999}}}}},
      {"flat", 3}};
  const SettingsReader reader(settings, {"redis", "routes", "parents", "flat", "absent"});
  EXPECT_EQ(error_of([&] {
              reader.section("redis", {"address", "timeout_ms"});
            }),
            "plugins.settings.p.redis.extra: unknown setting (expected one of: address, "
            "timeout_ms)");
  const SettingsReader redis = reader.section("redis", {"address", "timeout_ms", "extra"});
  EXPECT_EQ(error_of([&] { redis.integer("timeout_ms", 50, 1, 1000); }),
            "plugins.settings.p.redis.timeout_ms: expected an integer from 1 to 1000, got 0");

  const std::vector<SettingsReader> routes = reader.sections("routes", {"via"});
  ASSERT_EQ(routes.size(), 2U);
  EXPECT_EQ(routes[0].string("via", ""), "direct");
  EXPECT_EQ(error_of([&] { routes[1].string("via", ""); }),
            "plugins.settings.p.routes[1].via: expected a string, got 5");

  const auto parents = reader.named_sections("parents", {"port"});
  ASSERT_EQ(parents.size(), 1U);
  EXPECT_EQ(parents[0].first, "corp");
  EXPECT_EQ(error_of([&] { parents[0].second.integer("port", 1, 1, 65535); }),
            "plugins.settings.p.parents.corp.port: expected an integer from 1 to 65535, got "
            "99999");

  EXPECT_EQ(error_of([&] { reader.section("flat", {}); }),
            "plugins.settings.p.flat: expected a map of settings, got 3");
  EXPECT_EQ(error_of([&] { reader.sections("flat", {}); }),
            "plugins.settings.p.flat: expected a list, each entry a map, got 3");
  EXPECT_FALSE(reader.section("absent", {"x"}).has("x"));
  EXPECT_TRUE(reader.sections("absent", {}).empty());
}

TEST(SettingsReader, RejectNamesTheValueAndEntry) {
  const json settings = {{"buckets", {1, 2, 1.5}}, {"name", "x"}};
  const SettingsReader reader(settings, {"buckets", "name"});
  EXPECT_EQ(error_of([&] { reader.reject("buckets", 2, "a bound above the one before it"); }),
            "plugins.settings.p.buckets[2]: expected a bound above the one before it, got 1.5");
  EXPECT_EQ(error_of([&] { reader.reject("name", "a longer name", "it has one letter"); }),
            "plugins.settings.p.name: expected a longer name, got \"x\" (it has one letter)");
}

}  // namespace
}  // namespace proxy::sdk
