#include "app/descriptor_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace proxy::app {
namespace {

constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

std::uint64_t as_limit(rlim_t value) {
  return value == RLIM_INFINITY ? unlimited : static_cast<std::uint64_t>(value);
}

std::uint64_t needed_for(std::size_t max_connections) {
  const std::uint64_t connections = max_connections;
  if (connections > (unlimited - reserved_descriptors) / 2) {
    return unlimited;
  }
  return connections * 2 + reserved_descriptors;
}

std::size_t connections_within(std::uint64_t limit) {
  if (limit <= reserved_descriptors + 2) {
    return 1;  // hopeless, but a proxy that starts says so; one serving connection still helps
  }
  return static_cast<std::size_t>(std::min<std::uint64_t>((limit - reserved_descriptors) / 2,
                                                          std::numeric_limits<std::size_t>::max()));
}

}  // namespace

DescriptorFit plan_descriptor_limit(std::size_t max_connections, std::uint64_t soft,
                                    std::uint64_t hard) {
  DescriptorFit fit;
  fit.needed = needed_for(max_connections);
  fit.soft_limit = std::max(soft, std::min(fit.needed, hard));
  fit.max_connections =
      fit.soft_limit >= fit.needed ? max_connections : connections_within(fit.soft_limit);
  return fit;
}

DescriptorFit fit_descriptor_limit(std::size_t max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return DescriptorFit{max_connections, 0, needed_for(max_connections)};
  }
  const std::uint64_t soft = as_limit(limit.rlim_cur);
  DescriptorFit fit = plan_descriptor_limit(max_connections, soft, as_limit(limit.rlim_max));
  if (fit.soft_limit != soft) {
    rlimit raised = limit;
    raised.rlim_cur = static_cast<rlim_t>(fit.soft_limit);
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      // The kernel's own ceiling (fs.nr_open) can sit below an unlimited hard limit.
      fit = plan_descriptor_limit(max_connections, soft, soft);
    }
  }
  return fit;
}

}  // namespace proxy::app
