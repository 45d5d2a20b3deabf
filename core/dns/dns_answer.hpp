#pragma once

#include <memory>
#include <string>

#include "dns/dns_cache.hpp"

namespace proxy::core::dns {

enum class LookupStatus {
  ok,         // `addresses` holds at least one address
  failed,     // no such name, no address, or the name servers failed: `error` says which
  timed_out,  // no answer within upstream.dns.timeout or the caller's deadline
};

// What a lookup gives the connector.
struct DnsAnswer {
  LookupStatus status = LookupStatus::failed;
  std::shared_ptr<const Addresses> addresses;  // IPv6 and IPv4 interleaved, IPv6 first
  std::string error;
};

}  // namespace proxy::core::dns
