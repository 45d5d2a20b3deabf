#pragma once

#include <string_view>

#include "domain_set.hpp"
#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::common {

// The list of host names and IP addresses under `key` (absent: empty), as
// access_policy.blocked_domains and sni_policy.blocked/allowed take it. A bad entry stops
// startup naming it, e.g. "blocked_domains[3]: expected a host name or IP address, got
// "*.evil.com" (wildcards are not supported: ...)".
DomainSet read_domains(const sdk::SettingsReader& reader, std::string_view key);

}  // namespace proxy::plugins::common
