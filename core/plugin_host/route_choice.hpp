#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proxy/sdk/abi.h"

namespace proxy::host {

// A parent HTTP proxy a plugin routed a request through (proxy_parent, copied).
struct ParentProxy {
  std::string name;  // for the access log and error reasons
  std::string host;  // a name or an IP address, IPv6 without brackets
  std::uint16_t port = 0;
  std::string authorization;  // the Proxy-Authorization value to send it; empty: none
};

// How the upstream of a transaction is reached (proxy_decision::route, since 1.3).
struct RouteChoice {
  enum class Kind { unset, direct, parents };
  Kind kind = Kind::unset;
  std::vector<ParentProxy> parents;  // for Kind::parents: tried in order

  bool via_parents() const { return kind == Kind::parents; }
};

// Reads the route a decision chose, checked against the rules of abi.h (proxy_parent).
// A decision from an older plugin, or one that chose nothing, is Kind::unset. nullopt,
// with `problem` saying why (never quoting the authorization), when the route breaks a
// rule: the caller fails the transaction rather than going direct.
std::optional<RouteChoice> read_route(const proxy_decision& decision, std::string& problem);

}  // namespace proxy::host
