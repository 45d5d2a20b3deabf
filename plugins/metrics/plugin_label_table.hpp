#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>

namespace proxy::plugins::metrics {

// The plugin names proxy_blocked_total is labelled with, each given a slot the first
// time it is seen. The names come from the host (plugin names and "core"), but the
// table is capped all the same: past `capacity` names, and for a name longer than
// max_name_bytes, every name shares the overflow slot, labelled "other".
//
// @par Thread Safety
// slot_of() and name() are safe from any thread. Finding a known name takes no lock;
// only the first sighting of a new name takes a mutex, at most `capacity` times.
class PluginLabelTable {
 public:
  static constexpr std::size_t max_name_bytes = 64;
  static constexpr std::string_view overflow_label = "other";

  explicit PluginLabelTable(std::size_t capacity);

  // The slot of `name`, claiming a new one if there is room; overflow_slot() if not.
  std::size_t slot_of(std::string_view name);
  std::size_t overflow_slot() const { return capacity_; }
  // Slots [0, size()) hold names; size() only grows.
  std::size_t size() const { return used_.load(std::memory_order_acquire); }
  // The label of a slot below size(), or overflow_label for overflow_slot().
  std::string_view name(std::size_t slot) const;

 private:
  struct Entry {
    std::array<char, max_name_bytes> bytes{};
    std::size_t length = 0;
  };

  // A slot below `end` holding `name`, or `end`.
  std::size_t find(std::string_view name, std::size_t begin, std::size_t end) const;

  const std::size_t capacity_;
  std::unique_ptr<Entry[]> entries_;
  // Entries below used_ are written before used_ moves past them (release), so readers
  // that load it (acquire) see them whole.
  std::atomic<std::size_t> used_{0};
  std::mutex claim_;
};

}  // namespace proxy::plugins::metrics
