#pragma once

#include <cstddef>
#include <cstdint>

namespace proxy::app {

// Descriptors kept aside from the connection budget: the listener, epoll and eventfds,
// plugin libraries, log files, and the odd file a plugin opens.
inline constexpr std::uint64_t reserved_descriptors = 128;

// What the descriptor limit allows for server.max_connections.
struct DescriptorFit {
  std::size_t max_connections = 0;  // the cap to enforce: the configured one, or what fits
  std::uint64_t soft_limit = 0;     // RLIMIT_NOFILE's soft limit after raising it
  std::uint64_t needed = 0;         // what the configured cap needs
};

// Each connection holds two descriptors (client and upstream). Raises the soft
// RLIMIT_NOFILE to what `max_connections` needs, up to the hard limit. Where even the hard
// limit is too low, the returned cap is what fits, and the caller warns once.
DescriptorFit fit_descriptor_limit(std::size_t max_connections);

// The pure arithmetic behind it, for a given soft and hard limit (testable).
DescriptorFit plan_descriptor_limit(std::size_t max_connections, std::uint64_t soft,
                                    std::uint64_t hard);

}  // namespace proxy::app
