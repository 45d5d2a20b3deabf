#include "failure_counter.hpp"

#include <algorithm>

namespace proxy::plugins::proxy_auth {

FailureCounter::FailureCounter(std::uint32_t max_failures, std::chrono::milliseconds window,
                               std::size_t max_clients)
    : max_failures_(max_failures),
      window_(std::max(window, std::chrono::milliseconds(1))),
      max_clients_(std::max<std::size_t>(max_clients, 1)) {}

FailureCounter::Client* FailureCounter::current(std::string_view client, Clock::time_point now) {
  const auto it = index_.find(client);
  if (it == index_.end()) {
    return nullptr;
  }
  if (now >= it->second->window_end) {
    const Recency::iterator node = it->second;
    index_.erase(it);
    recency_.erase(node);
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, it->second);
  return &*it->second;
}

std::chrono::milliseconds FailureCounter::blocked_for(std::string_view client,
                                                      Clock::time_point now) {
  if (!enabled()) {
    return std::chrono::milliseconds(0);
  }
  const std::lock_guard lock(mutex_);
  const Client* entry = current(client, now);
  if (entry == nullptr || entry->failures < max_failures_) {
    return std::chrono::milliseconds(0);
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(entry->window_end - now);
  return std::max(left, std::chrono::milliseconds(1));
}

bool FailureCounter::charge(std::string_view client, Clock::time_point now) {
  if (!enabled()) {
    return true;
  }
  const std::lock_guard lock(mutex_);
  if (Client* entry = current(client, now); entry != nullptr) {
    if (entry->failures >= max_failures_) {
      return false;
    }
    ++entry->failures;
    return true;
  }
  if (index_.size() >= max_clients_) {
    index_.erase(recency_.back().key);
    recency_.pop_back();
  }
  recency_.push_front(Client{std::string(client), now + window_, 1});
  index_.emplace(recency_.front().key, recency_.begin());
  return true;
}

void FailureCounter::refund(std::string_view client) {
  if (!enabled()) {
    return;
  }
  const std::lock_guard lock(mutex_);
  const auto it = index_.find(client);
  if (it != index_.end() && it->second->failures > 0) {
    --it->second->failures;
  }
}

std::size_t FailureCounter::tracked_clients() const {
  const std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace proxy::plugins::proxy_auth
