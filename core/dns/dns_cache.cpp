#include "dns/dns_cache.hpp"

#include <algorithm>

namespace proxy::core::dns {

std::string cache_key(std::string_view host) {
  if (!host.empty() && host.back() == '.') {
    host.remove_suffix(1);
  }
  std::string key(host);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return key;
}

DnsCache::DnsCache(std::size_t capacity, std::chrono::seconds min_ttl, std::chrono::seconds max_ttl)
    : capacity_(capacity), min_ttl_(min_ttl), max_ttl_(std::max(min_ttl, max_ttl)) {
  index_.reserve(std::min<std::size_t>(capacity, 1024));
}

std::chrono::seconds DnsCache::clamp_ttl(std::chrono::seconds ttl) const {
  return std::clamp(ttl, min_ttl_, max_ttl_);
}

std::shared_ptr<const Addresses> DnsCache::find(const std::string& key, Clock::time_point now) {
  const std::lock_guard lock(mutex_);
  const auto found = index_.find(key);
  if (found == index_.end()) {
    return nullptr;
  }
  const Lru::iterator entry = found->second;
  if (entry->expires <= now) {
    index_.erase(found);
    lru_.erase(entry);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, entry);
  return entry->addresses;
}

void DnsCache::store(const std::string& key, std::shared_ptr<const Addresses> addresses,
                     std::chrono::seconds ttl, Clock::time_point now) {
  const std::chrono::seconds kept = clamp_ttl(ttl);
  if (capacity_ == 0 || kept.count() <= 0 || !addresses || addresses->empty()) {
    return;
  }
  const std::lock_guard lock(mutex_);
  if (const auto found = index_.find(key); found != index_.end()) {
    const Lru::iterator entry = found->second;
    entry->addresses = std::move(addresses);
    entry->expires = now + kept;
    lru_.splice(lru_.begin(), lru_, entry);
    return;
  }
  if (lru_.size() >= capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, std::move(addresses), now + kept});
  index_.emplace(lru_.front().key, lru_.begin());
}

std::size_t DnsCache::size() const {
  const std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace proxy::core::dns
