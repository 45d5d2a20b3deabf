#include "traffic_counters.hpp"

#include "metrics_settings.hpp"

namespace proxy::plugins::metrics {
namespace {

using Counter = std::atomic<std::uint64_t>;

// Relaxed: each counter is exact on its own; nothing orders one against another.
void add(Counter& counter, std::uint64_t amount) {
  counter.fetch_add(amount, std::memory_order_relaxed);
}

std::uint64_t read(const Counter& counter) {
  return counter.load(std::memory_order_relaxed);
}

struct HistogramCounts {
  // Buckets [0, bounds.size()) are the finite ones; bounds.size() counts beyond them (+Inf).
  std::array<Counter, max_histogram_buckets + 1> buckets{};
  Counter sum_us{0};

  void observe(const HistogramBounds& bounds, std::uint64_t duration_us) {
    add(buckets[bounds.bucket_of(duration_us)], 1);
    add(sum_us, duration_us);
  }
  void add_to(const HistogramBounds& bounds, HistogramSnapshot& out) const {
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      out.counts[i] += read(buckets[i]);
    }
    out.sum_us += read(sum_us);
  }
};

HistogramSnapshot empty_histogram(const HistogramBounds& bounds) {
  HistogramSnapshot out;
  out.counts.assign(bounds.size() + 1, 0);
  return out;
}

}  // namespace

const HistogramBounds& redis_latency_bounds() {
  static const HistogramBounds bounds(
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1});
  return bounds;
}

// One io thread's counters, on cache lines of their own.
struct alignas(64) TrafficCounters::Shard {
  std::array<Counter, method_slots> requests{};
  std::array<Counter, code_slots> responses{};
  Counter bytes_client_to_upstream{0};
  Counter bytes_upstream_to_client{0};
  std::array<Counter, max_plugin_labels + 1> blocked{};  // the last is "other"
  HistogramCounts request_duration;
  HistogramCounts tunnel_duration;
  std::array<Counter, auth_failure_slots> auth_failures{};
  std::array<Counter, rate_limit_result_slots> rate_limit_decisions{};
  std::array<Counter, redis_error_slots> redis_errors{};
  HistogramCounts redis_latency;
};

TrafficCounters::TrafficCounters(HistogramBounds request_bounds, HistogramBounds tunnel_bounds)
    : request_bounds_(std::move(request_bounds)),
      tunnel_bounds_(std::move(tunnel_bounds)),
      plugins_(max_plugin_labels) {}

TrafficCounters::~TrafficCounters() {
  for (auto& shard : shards_) {
    delete shard.load(std::memory_order_acquire);
  }
}

TrafficCounters::Shard& TrafficCounters::shard_for(std::uint32_t worker) {
  std::atomic<Shard*>& slot = shards_[worker % max_shards];
  Shard* shard = slot.load(std::memory_order_acquire);
  if (shard != nullptr) {
    return *shard;
  }
  // First record from this thread. Two threads meet here only when workers share a
  // shard; the loser frees its copy and uses the winner's.
  auto fresh = std::make_unique<Shard>();
  if (slot.compare_exchange_strong(shard, fresh.get(), std::memory_order_acq_rel,
                                   std::memory_order_acquire)) {
    return *fresh.release();
  }
  return *shard;
}

void TrafficCounters::record(const TransactionRecord& record) {
  using Kind = TransactionRecord::Kind;
  if (record.kind == Kind::admin) {
    if (record.status > 0) {
      add(admin_responses_[code_slot(record.status)], 1);
    }
    return;
  }
  Shard& shard = shard_for(record.worker);
  if (record.kind == Kind::request || record.kind == Kind::tunnel) {
    add(shard.requests[method_slot(record.method)], 1);
    if (record.kind == Kind::request) {
      shard.request_duration.observe(request_bounds_, record.duration_us);
    } else {
      shard.tunnel_duration.observe(tunnel_bounds_, record.duration_us);
    }
  }
  if (record.status > 0) {
    add(shard.responses[code_slot(record.status)], 1);
  }
  if (record.bytes_client_to_upstream > 0) {
    add(shard.bytes_client_to_upstream, record.bytes_client_to_upstream);
  }
  if (record.bytes_upstream_to_client > 0) {
    add(shard.bytes_upstream_to_client, record.bytes_upstream_to_client);
  }
  if (record.blocked) {
    add(shard.blocked[plugins_.slot_of(record.blocked_by)], 1);
  }
  if (!record.auth_failure.empty()) {
    add(shard.auth_failures[auth_failure_slot(record.auth_failure)], 1);
  }
  if (!record.rate_limit.empty()) {
    add(shard.rate_limit_decisions[rate_limit_result_slot(record.rate_limit)], 1);
  }
  if (!record.rate_limit_error.empty()) {
    add(shard.redis_errors[redis_error_slot(record.rate_limit_error)], 1);
  }
  if (record.rate_limit_store_us) {
    shard.redis_latency.observe(redis_latency_bounds(), *record.rate_limit_store_us);
  }
}

TrafficSnapshot TrafficCounters::snapshot() const {
  TrafficSnapshot out;
  out.request_duration = empty_histogram(request_bounds_);
  out.tunnel_duration = empty_histogram(tunnel_bounds_);
  out.redis_latency = empty_histogram(redis_latency_bounds());
  const std::size_t named = plugins_.size();
  std::array<std::uint64_t, max_plugin_labels + 1> blocked{};
  for (const auto& slot : shards_) {
    const Shard* shard = slot.load(std::memory_order_acquire);
    if (shard == nullptr) {
      continue;
    }
    for (std::size_t i = 0; i < method_slots; ++i) {
      out.requests[i] += read(shard->requests[i]);
    }
    for (std::size_t i = 0; i < code_slots; ++i) {
      out.responses[i] += read(shard->responses[i]);
    }
    out.bytes_client_to_upstream += read(shard->bytes_client_to_upstream);
    out.bytes_upstream_to_client += read(shard->bytes_upstream_to_client);
    for (std::size_t i = 0; i < blocked.size(); ++i) {
      blocked[i] += read(shard->blocked[i]);
    }
    for (std::size_t i = 0; i < auth_failure_slots; ++i) {
      out.auth_failures[i] += read(shard->auth_failures[i]);
    }
    for (std::size_t i = 0; i < rate_limit_result_slots; ++i) {
      out.rate_limit_decisions[i] += read(shard->rate_limit_decisions[i]);
    }
    for (std::size_t i = 0; i < redis_error_slots; ++i) {
      out.redis_errors[i] += read(shard->redis_errors[i]);
    }
    shard->request_duration.add_to(request_bounds_, out.request_duration);
    shard->tunnel_duration.add_to(tunnel_bounds_, out.tunnel_duration);
    shard->redis_latency.add_to(redis_latency_bounds(), out.redis_latency);
  }
  for (std::size_t i = 0; i < code_slots; ++i) {
    out.admin_responses[i] = read(admin_responses_[i]);
  }
  // A name claimed after `named` was read shows from the next scrape on.
  for (std::size_t i = 0; i < named; ++i) {
    out.blocked.emplace_back(std::string(plugins_.name(i)), blocked[i]);
  }
  const std::size_t overflow = plugins_.overflow_slot();
  if (blocked[overflow] > 0) {
    out.blocked.emplace_back(std::string(PluginLabelTable::overflow_label), blocked[overflow]);
  }
  return out;
}

}  // namespace proxy::plugins::metrics
