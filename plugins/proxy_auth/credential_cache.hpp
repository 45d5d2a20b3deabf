#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace proxy::plugins::proxy_auth {

// SHA-256 of the credentials with a secret salt: what the cache keeps instead of them.
using CredentialKey = std::array<unsigned char, 32>;

struct CredentialKeyHash {
  std::size_t operator()(const CredentialKey& key) const;
};

// Remembers credentials that passed a check, for `ttl`, so that a client sending the
// same user:password on every request costs one slow hash per ttl, not one per request.
//
// - Never holds a password: an entry is keyed by SHA-256(salt, user, password), the salt
//   16 random bytes drawn when the cache is made (so keys cannot be looked up in a table
//   made in advance, and differ between processes).
// - Each entry belongs to the users-file generation it was checked against; only a
//   lookup for that same generation finds it, and invalidate() drops all of them, so a
//   user removed or given a new hash is not admitted from the cache once the file is
//   reloaded.
// - At most `max_entries`: adding one more drops the least recently used.
// - A ttl of zero turns the cache off.
//
// Time is an argument, so callers (and tests) control it.
//
// @par Thread Safety
// Every member may be called from any thread (one mutex).
class CredentialCache {
 public:
  using Clock = std::chrono::steady_clock;

  CredentialCache(std::chrono::milliseconds ttl, std::size_t max_entries);

  CredentialKey key_for(std::string_view user, std::string_view password) const;

  // True when `key` passed a check against `generation` less than ttl before `now`.
  bool admits(const CredentialKey& key, std::uint64_t generation, Clock::time_point now);
  // Records a passed check, made against users-file `generation`; ignored when that is
  // older than the last generation invalidate() was given.
  void remember(const CredentialKey& key, std::uint64_t generation, Clock::time_point now);
  // Forgets every entry: the users changed, and from now on `generation` is current.
  void invalidate(std::uint64_t generation);

  std::size_t size() const;
  // Every key held, for tests that show what the cache stores.
  std::vector<CredentialKey> keys() const;
  bool enabled() const { return ttl_.count() > 0; }

 private:
  struct Entry {
    CredentialKey key;
    std::uint64_t generation;
    Clock::time_point expires;
  };
  using Recency = std::list<Entry>;  // front: most recently used

  const std::chrono::milliseconds ttl_;
  const std::size_t max_entries_;
  std::array<unsigned char, 16> salt_{};
  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;
  Recency recency_;
  std::unordered_map<CredentialKey, Recency::iterator, CredentialKeyHash> index_;
};

}  // namespace proxy::plugins::proxy_auth
