// Heap bytes per tracked client with the limiter full at the default max_tracked_clients,
// read from glibc's allocator counters (mallinfo2). The figure is quoted in the plugin's
// README and config/default.yaml; the test fails when a client's cost grows with
// `requests` or passes the quoted bound.
#include <malloc.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sliding_window_limiter.hpp"

namespace proxy::plugins::rate_limiter {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t clients = 100000;  // the default max_tracked_clients
constexpr int requests_per_client = 20;

std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // small chunks in use + mmap-ed blocks
}

// Three times as many distinct keys as slots, so every shard ends up full.
std::vector<std::string> ipv4_keys() {
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < 3 * clients; ++i) {
    keys.push_back("10." + std::to_string(i >> 16U & 255U) + "." + std::to_string(i >> 8U & 255U) +
                   "." + std::to_string(i & 255U));
  }
  return keys;
}

std::vector<std::string> ipv6_keys() {
  std::vector<std::string> keys;
  char text[64];
  for (std::size_t i = 0; i < 3 * clients; ++i) {
    std::snprintf(text, sizeof text, "2001:db8:4a5f:%zx::1", i);  // 21 to 23 characters
    keys.emplace_back(text);
  }
  return keys;
}

// Bytes the full limiter holds, divided by the clients it tracks. One pass over the keys
// fills every shard; then each tracked client sends more, so with a high `requests` the
// clients hold many admitted requests each.
double bytes_per_client(std::uint64_t requests, const std::vector<std::string>& keys) {
  const std::size_t before = heap_in_use();
  SlidingWindowLimiter limiter(Limits{requests, 1s, clients});
  for (const std::string& key : keys) {
    limiter.admit(key, 1000s);
  }
  for (const std::string& key : keys) {
    for (int i = 1; limiter.tracks(key) && i < requests_per_client; ++i) {
      limiter.admit(key, 1000s);
    }
  }
  EXPECT_EQ(limiter.tracked_clients(), clients);
  const std::size_t after = heap_in_use();
  return static_cast<double>(after - before) / static_cast<double>(limiter.tracked_clients());
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool replaced_allocator = true;
#else
constexpr bool replaced_allocator = false;
#endif

TEST(SlidingWindowLimiterMemory, BytesPerClientDoNotDependOnRequests) {
  if (replaced_allocator) {
    GTEST_SKIP() << "a sanitizer replaces malloc; mallinfo2 does not see its heap";
  }
  const std::vector<std::string> v4 = ipv4_keys();
  const double one = bytes_per_client(1, v4);
  const double most = bytes_per_client(max_requests, v4);
  const std::vector<std::string> v6 = ipv6_keys();
  const double most_v6 = bytes_per_client(max_requests, v6);
  std::printf(
      "bytes per tracked client, %zu tracked: IPv4 key %.1f (requests 1), %.1f "
      "(requests %llu); IPv6 key %.1f\n",
      clients, one, most, static_cast<unsigned long long>(max_requests), most_v6);
  RecordProperty("bytes_per_client_ipv4", std::to_string(most));
  RecordProperty("bytes_per_client_ipv6", std::to_string(most_v6));
  ASSERT_GT(one, 0) << "the allocator's counters did not move";
  EXPECT_NEAR(most, one, 1.0);  // the same allocations, whatever `requests` is
  EXPECT_LE(most, 160.0);       // the bound the README quotes for IPv4 clients
  EXPECT_LE(most_v6, 200.0);    // and for IPv6 ones
}

}  // namespace
}  // namespace proxy::plugins::rate_limiter
