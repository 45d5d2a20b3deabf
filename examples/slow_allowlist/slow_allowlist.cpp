// slow_allowlist: decides each request asynchronously, as a plugin that asks an external
// service would. The hook defers, a timer stands in for the service's answer, and a
// second timer bounds the wait so the request fails closed (503) when the answer is late.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <proxy/sdk.hpp>

#include "allowlist_settings.hpp"

namespace slow_allowlist {

namespace sdk = proxy::sdk;

// One deferred decision. Whichever of the answer and the timeout comes first completes
// it; the other finds it done. Timers run on host threads, so completion is locked.
class PendingLookup {
 public:
  PendingLookup(sdk::Completion completion, std::atomic<std::size_t>& in_flight)
      : completion_(std::move(completion)), in_flight_(in_flight) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
  }
  ~PendingLookup() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  PendingLookup(const PendingLookup&) = delete;
  PendingLookup& operator=(const PendingLookup&) = delete;

  void finish(const sdk::Decision& decision) {
    const std::lock_guard lock(mutex_);
    completion_.complete(decision);  // only the first call takes effect
  }

 private:
  std::mutex mutex_;
  sdk::Completion completion_;
  std::atomic<std::size_t>& in_flight_;
};

class SlowAllowlist final : public sdk::Plugin {
 public:
  explicit SlowAllowlist(sdk::PluginContext& context)
      : context_(context), settings_(parse_allowlist_settings(context.settings())) {
    context.log().info("{} allowed hosts; lookups take {} ms, time out after {} ms",
                       settings_.allowed.size(), settings_.lookup_delay.count(),
                       settings_.timeout.count());
  }

  sdk::Decision on_request(const sdk::Connection& conn, sdk::Request& request) override {
    // Bounded: a slow service must not let waiting requests pile up without limit.
    // (Checked before counting, so concurrent io threads may overshoot by a few.)
    if (in_flight_.load(std::memory_order_relaxed) >= settings_.max_pending) {
      return sdk::Decision::unavailable("allowlist service overloaded", 1);  // Retry-After: 1
    }
    // The request's views die with this call: decide what to send the "service" now.
    const bool approved = is_allowed(request.host());
    auto pending = std::make_shared<PendingLookup>(conn.defer(), in_flight_);

    // Stand-in for the service's reply arriving on some other thread.
    // A completion carries what a direct answer can (ABI 1.2): a header on the refusal,
    // an attribute on the transaction that later plugins and on_close see.
    context_.schedule(settings_.lookup_delay, [pending, approved] {
      pending->finish(approved ? sdk::Decision::allow().with_attribute("allowlist", "approved")
                               : sdk::Decision::reject(403, "host not on the allowlist")
                                     .with_header("X-Allowlist", "denied"));
    });
    // Fail closed when the reply is late. Without this, the host's timeouts.hook still
    // answers 503, but a plugin knows best how long its service may take.
    if (settings_.timeout.count() > 0) {
      context_.schedule(settings_.timeout, [pending] {
        pending->finish(sdk::Decision::unavailable("allowlist service timed out"));
      });
    }
    return sdk::Decision::deferred();
  }

 private:
  bool is_allowed(std::string_view host) const {
    return std::any_of(settings_.allowed.begin(), settings_.allowed.end(),
                       [host](const std::string& name) { return host_matches(host, name); });
  }

  sdk::PluginContext& context_;
  const AllowlistSettings settings_;
  std::atomic<std::size_t> in_flight_{0};
};

}  // namespace slow_allowlist

PROXY_PLUGIN(slow_allowlist::SlowAllowlist, "slow_allowlist", "1.0.0",
             "Decides each request asynchronously against an allowlist service (a stand-in)")
