#include "carried_limiter.hpp"

#include <map>
#include <mutex>

namespace proxy::plugins::rate_limiter {
namespace {

struct Carried {
  Limits limits;
  std::weak_ptr<SlidingWindowLimiter> limiter;  // expires with the last instance using it
};

bool same(const Limits& a, const Limits& b) {
  return a.requests == b.requests && a.window == b.window &&
         a.max_tracked_clients == b.max_tracked_clients;
}

}  // namespace

std::shared_ptr<SlidingWindowLimiter> carried_limiter(const std::string& instance,
                                                      const Limits& limits) {
  static std::mutex mutex;
  static std::map<std::string, Carried> by_instance;
  const std::lock_guard lock(mutex);
  Carried& carried = by_instance[instance];
  if (auto live = carried.limiter.lock()) {
    if (same(carried.limits, limits)) {
      return live;
    }
  }
  auto fresh = std::make_shared<SlidingWindowLimiter>(limits);
  carried = Carried{limits, fresh};
  return fresh;
}

}  // namespace proxy::plugins::rate_limiter
