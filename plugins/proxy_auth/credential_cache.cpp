#include "credential_cache.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace proxy::plugins::proxy_auth {
namespace {

struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::size_t CredentialKeyHash::operator()(const CredentialKey& key) const {
  // The key is already a uniform digest: its first bytes make a fine bucket hash.
  std::size_t value = 0;
  std::memcpy(&value, key.data(), sizeof(value));
  return value;
}

CredentialCache::CredentialCache(std::chrono::milliseconds ttl, std::size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries == 0 ? 1 : max_entries) {
  if (RAND_bytes(salt_.data(), static_cast<int>(salt_.size())) != 1) {
    throw std::runtime_error("cannot draw random bytes for the credential cache's salt");
  }
}

CredentialKey CredentialCache::key_for(std::string_view user, std::string_view password) const {
  // The user's length goes first, so no other split of the same bytes into user and
  // password gives the same key.
  const std::uint64_t user_length = user.size();
  unsigned char length_bytes[sizeof(user_length)];
  std::memcpy(length_bytes, &user_length, sizeof(user_length));

  const std::unique_ptr<EVP_MD_CTX, DigestContextFree> context(EVP_MD_CTX_new());
  CredentialKey key{};
  unsigned int written = 0;
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), salt_.data(), salt_.size()) != 1 ||
      EVP_DigestUpdate(context.get(), length_bytes, sizeof(length_bytes)) != 1 ||
      EVP_DigestUpdate(context.get(), user.data(), user.size()) != 1 ||
      EVP_DigestUpdate(context.get(), password.data(), password.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), key.data(), &written) != 1 || written != key.size()) {
    throw std::runtime_error("SHA-256 of the credentials failed");
  }
  return key;
}

bool CredentialCache::admits(const CredentialKey& key, std::uint64_t generation,
                             Clock::time_point now) {
  if (!enabled()) {
    return false;
  }
  const std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) {
    return false;
  }
  const Entry& entry = *it->second;
  if (entry.generation != generation || now >= entry.expires) {
    recency_.erase(it->second);
    index_.erase(it);
    return false;
  }
  recency_.splice(recency_.begin(), recency_, it->second);
  return true;
}

void CredentialCache::remember(const CredentialKey& key, std::uint64_t generation,
                               Clock::time_point now) {
  if (!enabled()) {
    return;
  }
  const std::lock_guard lock(mutex_);
  if (generation < generation_) {
    return;  // checked against users that have since been replaced
  }
  const Clock::time_point expires = now + ttl_;
  if (const auto it = index_.find(key); it != index_.end()) {
    it->second->generation = generation;
    it->second->expires = expires;
    recency_.splice(recency_.begin(), recency_, it->second);
    return;
  }
  if (index_.size() >= max_entries_) {
    index_.erase(recency_.back().key);
    recency_.pop_back();
  }
  recency_.push_front(Entry{key, generation, expires});
  index_.emplace(key, recency_.begin());
}

void CredentialCache::invalidate(std::uint64_t generation) {
  const std::lock_guard lock(mutex_);
  generation_ = generation;
  index_.clear();
  recency_.clear();
}

std::size_t CredentialCache::size() const {
  const std::lock_guard lock(mutex_);
  return index_.size();
}

std::vector<CredentialKey> CredentialCache::keys() const {
  const std::lock_guard lock(mutex_);
  std::vector<CredentialKey> out;
  out.reserve(recency_.size());
  for (const Entry& entry : recency_) {
    out.push_back(entry.key);
  }
  return out;
}

}  // namespace proxy::plugins::proxy_auth
