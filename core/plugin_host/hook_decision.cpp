#include "plugin_host/hook_decision.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "plugin_host/attribute_list.hpp"

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

std::string_view view(proxy_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// Names the host writes on its own answers: a plugin's copy would contradict them.
bool host_written(std::string_view name) {
  static constexpr std::array<std::string_view, 11> names = {
      "content-length", "transfer-encoding", "connection", "content-type", "via",    "retry-after",
      "keep-alive",     "proxy-connection",  "te",         "trailer",      "upgrade"};
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view other) { return header_name_equals(name, other); });
}

void read_headers(const proxy_decision& decision, const std::string& plugin, HookDecision& out) {
  if (!PROXY_ABI_HAS(&decision, proxy_decision, header_count) || decision.header_count == 0) {
    return;
  }
  if (decision.headers == nullptr) {
    spdlog::warn("[{}] rejection headers missing (a count without a list); none sent", plugin);
    return;
  }
  for (std::uint32_t i = 0; i < decision.header_count; ++i) {
    const std::string_view name = view(decision.headers[i].name);
    const std::string_view value = view(decision.headers[i].value);
    const char* problem = nullptr;
    if (i >= PROXY_DECISION_HEADERS_MAX) {
      problem = "more than PROXY_DECISION_HEADERS_MAX headers";
    } else if (name.size() + value.size() > PROXY_DECISION_HEADER_BYTES) {
      problem = "longer than PROXY_DECISION_HEADER_BYTES";
    } else if (host_written(name)) {
      problem = "a header the proxy writes itself";
    } else if (!out.headers.add(name, value)) {
      problem = "not a valid header";
    }
    if (problem != nullptr) {
      spdlog::warn("[{}] rejection header {} refused: {}", plugin, i, problem);
    }
  }
}

void read_attributes(const proxy_decision& decision, const std::string& plugin, HookDecision& out) {
  if (!PROXY_ABI_HAS(&decision, proxy_decision, attribute_count) || decision.attribute_count == 0) {
    return;
  }
  if (decision.attributes == nullptr) {
    spdlog::warn("[{}] attributes missing (a count without a list); none set", plugin);
    return;
  }
  for (std::uint32_t i = 0; i < decision.attribute_count; ++i) {
    const std::string_view name = view(decision.attributes[i].name);
    const std::string_view value = view(decision.attributes[i].value);
    if (i >= PROXY_ATTRIBUTES_MAX || !valid_attribute_name(name) || !valid_attribute_value(value)) {
      spdlog::warn(
          "[{}] attribute {} refused: over PROXY_ATTRIBUTES_MAX, or a name or value "
          "outside the rules of abi.h",
          plugin, i);
      continue;
    }
    out.attributes.push_back({std::string(name), std::string(value)});
  }
}

HookDecision read_verdict(const proxy_decision& decision, const std::string& plugin);

}  // namespace

HookDecision read_decision(const proxy_decision& decision, const std::string& plugin) {
  HookDecision out = read_verdict(decision, plugin);
  if (out.verdict == PROXY_VERDICT_REJECT) {
    read_headers(decision, plugin, out);
  }
  if (out.verdict != PROXY_VERDICT_FAILED) {
    read_attributes(decision, plugin, out);
  }
  if (out.verdict == PROXY_VERDICT_ALLOW) {
    std::string problem;
    auto route = read_route(decision, problem);
    if (!route) {
      spdlog::warn("[{}] route refused: {}", plugin, problem);
      return HookDecision::failed(plugin, "route refused: " + problem);
    }
    out.route = std::move(*route);
  }
  return out;
}

HookDecision HookDecision::failed(std::string plugin, std::string reason) {
  return make(PROXY_VERDICT_FAILED, 500, std::move(reason), std::move(plugin));
}

HookDecision HookDecision::timed_out(std::string plugin) {
  std::string reason = "plugin '" + plugin + "' did not decide in time";
  return make(PROXY_VERDICT_REJECT, 503, std::move(reason), std::move(plugin));
}

namespace {

HookDecision read_verdict(const proxy_decision& decision, const std::string& plugin) {
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
      HookDecision out = HookDecision::make(PROXY_VERDICT_REJECT, static_cast<int>(status),
                                            std::move(reason), plugin);
      if (PROXY_ABI_HAS(&decision, proxy_decision, retry_after_seconds)) {
        out.retry_after_seconds = decision.retry_after_seconds;
      }
      return out;
    }
    case PROXY_VERDICT_CLOSE:
      return HookDecision::make(PROXY_VERDICT_CLOSE, 0, std::move(reason), plugin);
    case PROXY_VERDICT_FAILED:
      return HookDecision::failed(plugin, reason.empty() ? "hook failed" : std::move(reason));
    case PROXY_VERDICT_DEFER:
      return HookDecision::failed(plugin, "a deferred verdict where a final decision was due");
    default:
      return HookDecision::failed(plugin, "unknown verdict " + std::to_string(decision.verdict));
  }
}

}  // namespace

}  // namespace proxy::host
