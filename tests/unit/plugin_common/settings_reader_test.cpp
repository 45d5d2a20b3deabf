#include "settings_reader.hpp"

#include <gtest/gtest.h>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::common {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The key a SettingsError names for `fn`, or "<none>" when it does not throw.
template <class Fn>
std::string error_key(Fn&& fn) {
  try {
    fn();
  } catch (const sdk::SettingsError& e) {
    return e.key();
  }
  return "<none>";
}

TEST(SettingsReader, NullAndEmptyMeanDefaults) {
  const json none;
  const SettingsReader reader(none, {"a"});
  EXPECT_EQ(reader.strings("a", {"x"}), std::vector<std::string>{"x"});
  EXPECT_TRUE(reader.boolean("a", true));
  const json empty = json::object();
  const SettingsReader from_empty(empty, {"a"});
  EXPECT_EQ(from_empty.ports("a", {443}), std::vector<std::uint16_t>{443});
}

TEST(SettingsReader, RefusesNonMappingsAndUnknownKeys) {
  EXPECT_EQ(error_key([] { SettingsReader(json::array(), {"a"}); }), "");
  EXPECT_EQ(error_key([] { SettingsReader(json("x"), {"a"}); }), "");
  EXPECT_EQ(error_key([] { SettingsReader(json{{"a", 1}, {"b", 2}}, {"a"}); }), "b");
}

TEST(SettingsReader, NullValueIsAnError) {
  const json settings = {{"a", nullptr}};
  const SettingsReader reader(settings, {"a"});
  EXPECT_EQ(error_key([&] { reader.strings("a", {}); }), "a");
}

TEST(SettingsReader, StringListsNameTheBadEntry) {
  const json settings = {{"list", {"x", "y", 3}}, {"scalar", "x"}};
  const SettingsReader reader(settings, {"list", "scalar"});
  EXPECT_EQ(error_key([&] { reader.strings("list", {}); }), "list[2]");
  EXPECT_EQ(error_key([&] { reader.strings("scalar", {}); }), "scalar");
}

TEST(SettingsReader, DomainsAndNetworksNameTheBadEntry) {
  const json settings = {{"domains", {"ok.com", "*.bad.com"}}, {"networks", {"::1", "nope"}}};
  const SettingsReader reader(settings, {"domains", "networks"});
  EXPECT_EQ(error_key([&] { reader.domains("domains"); }), "domains[1]");
  EXPECT_EQ(error_key([&] { reader.networks("networks", {}); }), "networks[1]");
}

TEST(SettingsReader, PortsAreIntegersInRange) {
  const json good = {{"p", {1, 443, 65535}}};
  EXPECT_EQ(SettingsReader(good, {"p"}).ports("p", {}),
            (std::vector<std::uint16_t>{1, 443, 65535}));
  for (const json& bad : {json(0), json(65536), json(-1), json(443.0), json("443"), json(true),
                          json(18446744073709551615ULL)}) {
    const json settings = {{"p", {443, bad}}};
    EXPECT_EQ(error_key([&] { SettingsReader(settings, {"p"}).ports("p", {}); }), "p[1]") << bad;
  }
  const json scalar = {{"p", 443}};
  EXPECT_EQ(error_key([&] { SettingsReader(scalar, {"p"}).ports("p", {}); }), "p");
}

TEST(SettingsReader, BooleansAreBooleans) {
  const json settings = {{"t", true}, {"s", "true"}, {"n", 1}};
  const SettingsReader reader(settings, {"t", "s", "n"});
  EXPECT_TRUE(reader.boolean("t", false));
  EXPECT_EQ(error_key([&] { reader.boolean("s", false); }), "s");
  EXPECT_EQ(error_key([&] { reader.boolean("n", false); }), "n");
}

TEST(SettingsReader, ChoicesAreExact) {
  const json settings = {{"ok", "block"}, {"case", "Block"}, {"type", 1}};
  const SettingsReader reader(settings, {"ok", "case", "type"});
  EXPECT_EQ(reader.choice("ok", {"block", "allow"}, "allow"), "block");
  EXPECT_EQ(error_key([&] { reader.choice("case", {"block", "allow"}, "allow"); }), "case");
  EXPECT_EQ(error_key([&] { reader.choice("type", {"block", "allow"}, "allow"); }), "type");
}

TEST(SettingsReader, SecondsArePositiveAndBounded) {
  const json settings = {{"int", 5}, {"frac", 0.25}};
  const SettingsReader reader(settings, {"int", "frac"});
  EXPECT_EQ(reader.seconds("int", 1s, 3600), 5000ms);
  EXPECT_EQ(reader.seconds("frac", 1s, 3600), 250ms);
  for (const json& bad : {json(0), json(-1), json(0.0001), json(3601), json("5"), json(false)}) {
    const json s = {{"t", bad}};
    EXPECT_EQ(error_key([&] { SettingsReader(s, {"t"}).seconds("t", 1s, 3600); }), "t") << bad;
  }
}

}  // namespace
}  // namespace proxy::plugins::common
