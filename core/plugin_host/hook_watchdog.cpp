#include "plugin_host/hook_watchdog.hpp"

#include <spdlog/spdlog.h>

namespace proxy::host {
namespace {

thread_local HookWatchdog::Slot* current_slot = nullptr;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t threshold_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(HookWatchdog::threshold).count();
}

}  // namespace

HookWatchdog::HookWatchdog(std::size_t workers)
    : slots_(std::make_unique<Slot[]>(workers)), count_(workers) {
  for (std::size_t i = 0; i < count_; ++i) {
    slots_[i].index = i;
  }
  thread_ = std::thread([this] { watch(); });
}

HookWatchdog::~HookWatchdog() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HookWatchdog::bind_current_thread(std::size_t index) {
  current_slot = index < count_ ? &slots_[index] : nullptr;
}

void HookWatchdog::unbind_current_thread() {
  current_slot = nullptr;
}

void HookWatchdog::watch() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, threshold / 4, [this] { return stopping_; })) {
    const std::int64_t now = now_ns();
    for (std::size_t i = 0; i < count_; ++i) {
      Slot& slot = slots_[i];
      const std::int64_t since = slot.since_ns.load(std::memory_order_acquire);
      const std::uint64_t call = slot.calls.load(std::memory_order_relaxed);
      if (since == 0 || now - since < threshold_ns() || slot.reported_call == call) {
        continue;
      }
      const std::string* plugin = slot.plugin.load(std::memory_order_relaxed);
      const char* hook = slot.hook.load(std::memory_order_relaxed);
      if (plugin == nullptr || hook == nullptr) {
        continue;
      }
      slot.reported_call = call;
      spdlog::warn("plugin \"{}\" is holding worker {} in {} ({} ms so far)", *plugin, i, hook,
                   (now - since) / 1000000);
    }
  }
}

HookScope::HookScope(const std::string& plugin, const char* hook) : slot_(current_slot) {
  if (slot_ == nullptr) {
    return;
  }
  start_ns_ = now_ns();
  slot_->plugin.store(&plugin, std::memory_order_relaxed);
  slot_->hook.store(hook, std::memory_order_relaxed);
  slot_->calls.fetch_add(1, std::memory_order_relaxed);
  slot_->since_ns.store(start_ns_, std::memory_order_release);
}

HookScope::~HookScope() {
  if (slot_ == nullptr) {
    return;
  }
  slot_->since_ns.store(0, std::memory_order_release);
  const std::int64_t elapsed = now_ns() - start_ns_;
  if (elapsed >= threshold_ns()) {
    spdlog::warn("plugin \"{}\" held worker {} for {} ms in {}",
                 *slot_->plugin.load(std::memory_order_relaxed), slot_->index, elapsed / 1000000,
                 slot_->hook.load(std::memory_order_relaxed));
  }
}

}  // namespace proxy::host
