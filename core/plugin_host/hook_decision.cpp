#include "plugin_host/hook_decision.hpp"

#include <algorithm>

namespace proxy::host {
namespace {

std::string clean_reason(const char* text, std::size_t len) {
  std::string out(text, std::min<std::size_t>(len, PROXY_REASON_MAX));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      c = ' ';
    }
  }
  return out;
}

}  // namespace

HookDecision HookDecision::failed(std::string plugin, std::string reason) {
  return HookDecision{PROXY_VERDICT_FAILED, 500, std::move(reason), std::move(plugin)};
}

HookDecision HookDecision::timed_out(std::string plugin) {
  std::string reason = "plugin '" + plugin + "' did not decide in time";
  return HookDecision{PROXY_VERDICT_REJECT, 503, std::move(reason), std::move(plugin)};
}

HookDecision read_decision(const proxy_decision& decision, const std::string& plugin) {
  std::string reason = clean_reason(decision.reason, decision.reason_len);
  switch (decision.verdict) {
    case PROXY_VERDICT_ALLOW:
      return HookDecision::allow();
    case PROXY_VERDICT_REJECT: {
      const auto status = decision.status;
      // A rejection is an error answer: anything but 4xx or 5xx would tell the client
      // its request went through.
      if (status < 400 || status > 599) {
        return HookDecision::failed(
            plugin, "rejected with invalid status " + std::to_string(status) + ": " + reason);
      }
      HookDecision out{PROXY_VERDICT_REJECT, static_cast<int>(status), std::move(reason), plugin};
      if (PROXY_ABI_HAS(&decision, proxy_decision, retry_after_seconds)) {
        out.retry_after_seconds = decision.retry_after_seconds;
      }
      return out;
    }
    case PROXY_VERDICT_CLOSE:
      return HookDecision{PROXY_VERDICT_CLOSE, 0, std::move(reason), plugin};
    case PROXY_VERDICT_FAILED:
      return HookDecision::failed(plugin, reason.empty() ? "hook failed" : std::move(reason));
    case PROXY_VERDICT_DEFER:
      return HookDecision::failed(plugin, "a deferred verdict where a final decision was due");
    default:
      return HookDecision::failed(plugin, "unknown verdict " + std::to_string(decision.verdict));
  }
}

}  // namespace proxy::host
