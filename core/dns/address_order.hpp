#pragma once

#include "dns/dns_cache.hpp"

namespace proxy::core::dns {

// The addresses to try in order (RFC 8305 section 4): IPv6 first, then the families
// alternating, each family keeping the order its answer gave. A connector that races
// them, or walks them, then never waits on one family while the other works.
Addresses interleave_families(const Addresses& addresses);

}  // namespace proxy::core::dns
