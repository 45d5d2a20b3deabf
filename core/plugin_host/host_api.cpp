#include "plugin_host/host_api.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string_view>

#include <spdlog/spdlog.h>

#include "plugin_host/core_counters.hpp"
#include "plugin_host/endpoint_registry.hpp"
#include "plugin_host/header_list.hpp"
#include "plugin_host/hook_call.hpp"
#include "plugin_host/timer_service.hpp"

namespace proxy::host {
namespace {

// Every callback below is entered from plugin code: none may let an exception escape.

std::string_view view(proxy_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

HostContext& context_of(void* host) {
  return *static_cast<HostContext*>(host);
}

void log_message(void* host, std::uint32_t level, proxy_str message) {
  try {
    // proxy_log_level has spdlog's order; anything past critical is clamped to it.
    const auto spd_level =
        static_cast<spdlog::level::level_enum>(std::min<std::uint32_t>(level, PROXY_LOG_CRITICAL));
    spdlog::default_logger_raw()->log(spd_level, "[{}] {}", context_of(host).plugin(),
                                      view(message));
  } catch (...) {
    // A log line that cannot be written is not worth failing a hook over.
  }
}

// Applies one edit through the handle a hook received; 0 on success, as the ABI says.
template <class Edit>
int edit_headers(proxy_headers* headers, Edit edit) {
  try {
    if (headers == nullptr || headers->list == nullptr) {
      return 1;
    }
    pin_header_views(*headers);
    return edit(*headers->list) ? 0 : 1;
  } catch (...) {
    return 1;
  }
}

int header_set(proxy_headers* headers, proxy_str name, proxy_str value) {
  return edit_headers(headers, [&](HeaderList& list) { return list.set(view(name), view(value)); });
}

int header_add(proxy_headers* headers, proxy_str name, proxy_str value) {
  return edit_headers(headers, [&](HeaderList& list) { return list.add(view(name), view(value)); });
}

int header_remove(proxy_headers* headers, proxy_str name) {
  return edit_headers(headers, [&](HeaderList& list) { return list.remove(view(name)); });
}

proxy_completion* defer(proxy_call* call) {
  return Deferral::start(call);
}

void complete(proxy_completion* completion, const proxy_decision* decision) {
  Deferral::complete(completion, decision);
}

void schedule(void* host, std::uint64_t delay_ms, proxy_timer_fn fn, void* user) {
  if (fn == nullptr) {
    return;
  }
  TimerService* timers = context_of(host).services().timers;
  if (timers == nullptr) {
    // No timer service (e.g. only checking the config): the plugin still gets its one call.
    fn(user, 1);
    return;
  }
  try {
    const auto max_ms = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
    const std::chrono::milliseconds delay(static_cast<std::int64_t>(std::min(delay_ms, max_ms)));
    timers->schedule(delay, [fn, user](bool cancelled) { fn(user, cancelled ? 1 : 0); });
  } catch (...) {
    spdlog::error("[{}] a timer could not be scheduled; cancelling it", context_of(host).plugin());
    fn(user, 1);
  }
}

int register_endpoint(void* host, proxy_str path, proxy_endpoint_fn fn, void* user) {
  HostContext& context = context_of(host);
  try {
    EndpointRegistry* endpoints = context.services().endpoints;
    std::string refusal = endpoints == nullptr
                              ? std::string("this host serves no admin endpoints")
                              : endpoints->add(context.plugin(), view(path), fn, user);
    if (refusal.empty()) {
      return 0;
    }
    spdlog::error("[{}] {}", context.plugin(), refusal);
    context.set_last_refusal(std::move(refusal));
    return 1;
  } catch (...) {
    return 1;
  }
}

void response_set_status(proxy_admin_response* response, std::uint32_t status) {
  if (response == nullptr) {
    return;
  }
  response->reply.status = (status >= 100 && status <= 599) ? static_cast<int>(status) : 500;
}

void response_set_header(proxy_admin_response* response, proxy_str name, proxy_str value) {
  if (response == nullptr) {
    return;
  }
  try {
    // An invalid field is dropped: the handler cannot be told, and it must not reach the wire.
    response->reply.headers.set(view(name), view(value));
  } catch (...) {
  }
}

void response_append(proxy_admin_response* response, proxy_str body) {
  if (response == nullptr) {
    return;
  }
  try {
    response->reply.body.append(view(body));
  } catch (...) {
  }
}

void get_stats(void* host, proxy_host_stats* out) {
  if (out == nullptr) {
    return;
  }
  if (const CoreCounters* counters = static_cast<HostContext*>(host)->services().counters) {
    counters->fill(*out);
  }
}

}  // namespace

void CoreCounters::observe_dns_lookup(std::chrono::microseconds took) {
  static constexpr std::uint64_t bounds[] = PROXY_DNS_DURATION_BOUNDS_US;
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(took.count(), 0));
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(std::begin(bounds), std::end(bounds), us) - std::begin(bounds));
  dns_lookup_duration_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  dns_lookup_duration_sum_us.fetch_add(us, std::memory_order_relaxed);
}

void CoreCounters::fill(proxy_host_stats& out) const {
  constexpr auto relaxed = std::memory_order_relaxed;
  if (PROXY_ABI_HAS(&out, proxy_host_stats, connections_active)) {
    out.connections_active = connections_active.load(relaxed);
  }
  if (PROXY_ABI_HAS(&out, proxy_host_stats, connections_total)) {
    out.connections_total = connections_total.load(relaxed);
  }
  if (PROXY_ABI_HAS(&out, proxy_host_stats, connections_refused)) {
    out.connections_refused = connections_refused.load(relaxed);
  }
  if (PROXY_ABI_HAS(&out, proxy_host_stats, tunnels_active)) {
    out.tunnels_active = tunnels_active.load(relaxed);
  }
  if (PROXY_ABI_HAS(&out, proxy_host_stats, dns_cache_hits)) {
    out.dns_lookups_ok = dns_lookups_ok.load(relaxed);
    out.dns_lookups_failed = dns_lookups_failed.load(relaxed);
    out.dns_lookups_timed_out = dns_lookups_timed_out.load(relaxed);
    out.dns_cache_hits = dns_cache_hits.load(relaxed);
  }
  if (PROXY_ABI_HAS(&out, proxy_host_stats, dns_lookup_duration_sum_us)) {
    for (std::size_t i = 0; i < dns_lookup_duration_buckets.size(); ++i) {
      out.dns_lookup_duration_buckets[i] = dns_lookup_duration_buckets[i].load(relaxed);
    }
    out.dns_lookup_duration_sum_us = dns_lookup_duration_sum_us.load(relaxed);
  }
  if (PROXY_ABI_HAS(&out, proxy_host_stats, proxy_protocol_refused)) {
    out.proxy_protocol_refused = proxy_protocol_refused.load(relaxed);
  }
  if (PROXY_ABI_HAS(&out, proxy_host_stats, config_reloads_failed)) {
    out.config_generation = config_generation.load(relaxed);
    out.config_reloads_ok = config_reloads_ok.load(relaxed);
    out.config_reloads_failed = config_reloads_failed.load(relaxed);
  }
}

proxy_log_level current_log_level() {
  const auto level = spdlog::get_level();
  if (level >= spdlog::level::critical) {
    return PROXY_LOG_CRITICAL;
  }
  return static_cast<proxy_log_level>(level);
}

HostContext::HostContext(std::string plugin, HostServices services)
    : plugin_(std::move(plugin)), services_(services) {
  api_.size = sizeof(api_);
  api_.host = this;
  api_.abi_version = PROXY_SDK_ABI_VERSION;
  api_.log_level = static_cast<std::uint32_t>(current_log_level());
  api_.log = &log_message;
  api_.header_set = &header_set;
  api_.header_add = &header_add;
  api_.header_remove = &header_remove;
  api_.defer = &defer;
  api_.complete = &complete;
  api_.schedule = &schedule;
  api_.register_endpoint = &register_endpoint;
  api_.response_set_status = &response_set_status;
  api_.response_set_header = &response_set_header;
  api_.response_append = &response_append;
  api_.host_version = {services_.version.data(), services_.version.size()};
  api_.get_stats = &get_stats;
  api_.worker_count = services_.worker_count;
}

}  // namespace proxy::host
