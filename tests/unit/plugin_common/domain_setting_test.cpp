#include "domain_setting.hpp"

#include <gtest/gtest.h>

#include <string>

namespace proxy::plugins::common {
namespace {

using nlohmann::json;

// The line the host would print for `settings`, or "<none>" when they are accepted.
std::string error_of(const json& settings) {
  try {
    const sdk::SettingsReader reader(settings, {"domains"});
    read_domains(reader, "domains");
  } catch (const sdk::SettingsError& e) {
    return e.message_for("policy");
  }
  return "<none>";
}

TEST(ReadDomains, AbsentIsEmptyAndEntriesAreMatched) {
  const json none = json::object();
  EXPECT_TRUE(read_domains(sdk::SettingsReader(none, {"domains"}), "domains").empty());
  const json some = {{"domains", {"evil.com", "10.0.0.1"}}};
  const DomainSet set = read_domains(sdk::SettingsReader(some, {"domains"}), "domains");
  EXPECT_TRUE(set.contains("a.evil.com"));
  EXPECT_TRUE(set.contains("10.0.0.1"));
}

TEST(ReadDomains, ABadEntryIsNamedWithWhy) {
  EXPECT_EQ(error_of({{"domains", {"ok.com", "*.bad.com"}}}),
            "plugins.settings.policy.domains[1]: expected a host name or IP address, got "
            "\"*.bad.com\" (wildcards are not supported: write 'evil.com', which covers its "
            "subdomains too)");
  EXPECT_EQ(error_of({{"domains", {"ok.com", 7}}}),
            "plugins.settings.policy.domains[1]: expected a host name or IP address, got 7");
  EXPECT_EQ(error_of({{"domains", "ok.com"}}),
            "plugins.settings.policy.domains: expected a list, each entry a host name or IP "
            "address, got \"ok.com\"");
}

}  // namespace
}  // namespace proxy::plugins::common
