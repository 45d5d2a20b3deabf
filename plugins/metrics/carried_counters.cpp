#include "carried_counters.hpp"

#include <map>
#include <mutex>

namespace proxy::plugins::metrics {
namespace {

struct Carried {
  std::vector<double> request_bounds;
  std::vector<double> tunnel_bounds;
  std::weak_ptr<TrafficCounters> counters;  // expires with the last instance using them
};

}  // namespace

std::shared_ptr<TrafficCounters> carried_counters(const std::string& instance,
                                                  const std::vector<double>& request_bounds,
                                                  const std::vector<double>& tunnel_bounds) {
  static std::mutex mutex;
  static std::map<std::string, Carried> by_instance;
  const std::lock_guard lock(mutex);
  Carried& carried = by_instance[instance];
  if (auto live = carried.counters.lock()) {
    if (carried.request_bounds == request_bounds && carried.tunnel_bounds == tunnel_bounds) {
      return live;
    }
  }
  auto fresh = std::make_shared<TrafficCounters>(HistogramBounds(request_bounds),
                                                 HistogramBounds(tunnel_bounds));
  carried = Carried{request_bounds, tunnel_bounds, fresh};
  return fresh;
}

}  // namespace proxy::plugins::metrics
