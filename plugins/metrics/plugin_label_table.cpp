#include "plugin_label_table.hpp"

#include <algorithm>

namespace proxy::plugins::metrics {

PluginLabelTable::PluginLabelTable(std::size_t capacity)
    : capacity_(capacity), entries_(std::make_unique<Entry[]>(capacity)) {}

std::size_t PluginLabelTable::find(std::string_view name, std::size_t begin,
                                   std::size_t end) const {
  for (std::size_t i = begin; i < end; ++i) {
    if (std::string_view(entries_[i].bytes.data(), entries_[i].length) == name) {
      return i;
    }
  }
  return end;
}

std::size_t PluginLabelTable::slot_of(std::string_view name) {
  // A plugin named "other" shares the overflow slot rather than repeat its label.
  if (name.size() > max_name_bytes || name == overflow_label) {
    return overflow_slot();
  }
  const std::size_t seen = used_.load(std::memory_order_acquire);
  if (const std::size_t found = find(name, 0, seen); found < seen) {
    return found;
  }
  if (seen == capacity_) {
    return overflow_slot();
  }
  const std::lock_guard<std::mutex> lock(claim_);
  // Another thread may have claimed this name (or others) meanwhile.
  const std::size_t now = used_.load(std::memory_order_relaxed);
  if (const std::size_t found = find(name, seen, now); found < now) {
    return found;
  }
  if (now == capacity_) {
    return overflow_slot();
  }
  Entry& entry = entries_[now];
  std::copy(name.begin(), name.end(), entry.bytes.begin());
  entry.length = name.size();
  used_.store(now + 1, std::memory_order_release);
  return now;
}

std::string_view PluginLabelTable::name(std::size_t slot) const {
  if (slot >= size()) {
    return overflow_label;
  }
  return {entries_[slot].bytes.data(), entries_[slot].length};
}

}  // namespace proxy::plugins::metrics
