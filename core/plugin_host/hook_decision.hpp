#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plugin_host/header_list.hpp"
#include "plugin_host/route_choice.hpp"

#include "proxy/sdk/abi.h"

namespace proxy::host {

// The core's view of a deciding hook's answer: what to do and which plugin said so.
struct HookDecision {
  proxy_verdict verdict = PROXY_VERDICT_ALLOW;
  int status = 0;      // HTTP status for reject (and 500 for failed, 503 for a timeout)
  std::string reason;  // one line, no control characters
  std::string plugin;  // who decided; empty when allowed
  std::uint32_t retry_after_seconds = 0;  // Retry-After for a 429 or 503; 0 = default
  HeaderList headers;  // a rejection's extra response headers, checked (since 1.2)
  std::vector<HeaderList::Field> attributes;  // to set on the transaction, checked (1.2)
  RouteChoice route;  // how an allowed request reaches its upstream, checked (1.3)

  bool allowed() const { return verdict == PROXY_VERDICT_ALLOW; }

  static HookDecision allow() { return {}; }
  static HookDecision make(proxy_verdict verdict, int status, std::string reason,
                           std::string plugin) {
    HookDecision out;
    out.verdict = verdict;
    out.status = status;
    out.reason = std::move(reason);
    out.plugin = std::move(plugin);
    return out;
  }
  static HookDecision failed(std::string plugin, std::string reason);
  // A deferral that did not complete in time: 503, as for an overloaded dependency.
  static HookDecision timed_out(std::string plugin);
};

// Reads what a plugin wrote, refusing anything the core could not act on: an unknown
// verdict, a reject without a valid status, a deferred verdict where a final one is due.
// The reason is cut to PROXY_REASON_MAX bytes and stripped of control characters, so it
// can go into a status line or a log line as is. A rejection's headers and the
// attributes (since 1.2) are copied when they keep the rules of abi.h; each one that
// does not is dropped with a warning naming the plugin, and the decision stands. An
// allowing decision's route (since 1.3) that breaks a rule makes the decision a failure
// instead: going direct could bypass what the chosen parent enforces.
HookDecision read_decision(const proxy_decision& decision, const std::string& plugin);

}  // namespace proxy::host
