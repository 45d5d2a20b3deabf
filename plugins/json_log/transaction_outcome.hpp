#pragma once

#include <string_view>

#include "proxy/sdk/types.hpp"

namespace proxy::plugins::json_log {

// How a transaction ended, in the access log's words.
//
// decision:
//   "reject"  a reject verdict; or a failed hook, or the core refusing on its own (a
//             denied network, an unreachable upstream), that answered with a status
//   "close"   a close verdict; or a failure or core refusal that closed without answer
//   "allow"   everything else: no one stood in the way
// event (first match):
//   "error"   a hook failed, or the status sent is 5xx (from the proxy or the origin)
//   "blocked" the decision is reject or close
//   "tunnel"  a CONNECT tunnel
//   "request" a plain HTTP request (and anything else)
std::string_view decision_name(const sdk::Transaction& transaction);
std::string_view event_name(const sdk::Transaction& transaction);

}  // namespace proxy::plugins::json_log
