#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connection/head_writer.hpp"
#include "plugin_host/header_list.hpp"

namespace proxy::core {

// The protocols of a request's Upgrade field that upstream.upgrade_allowed lets through
// (compared by name, before any "/version", case-insensitively), joined with ", ", in the
// client's order; empty when the request offers none of them, or does not name
// "upgrade" in Connection (RFC 9110 §7.8: without it, Upgrade is not an offer).
std::string offered_upgrade(const host::HeaderList& fields, const ReceivedHead& received,
                            const std::vector<std::string>& allowed);

// True when a 101's Upgrade value names exactly one protocol, and one that `offered` lists.
bool accepts_switch(std::string_view chosen, std::string_view offered);

}  // namespace proxy::core
