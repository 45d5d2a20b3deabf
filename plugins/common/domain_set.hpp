#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ip_address.hpp"

namespace proxy::plugins::common {

// A set of host names and IP addresses that hosts are matched against, as
// access_policy.blocked_domains and sni_policy.blocked/allowed use it.
//
// - A name matches itself and every subdomain: "evil.com" matches "sub.evil.com", not
//   "notevil.com". ASCII case is ignored and trailing dots are dropped on both sides.
// - An address matches exactly that address, however the host spells it (see
//   parse_numeric_host): "10.0.0.1" matches "10.0.0.1" and "[::ffff:10.0.0.1]", never
//   "110.0.0.1", and is never a suffix of a name.
// - Entries are validated when the set is built; wildcards ("*.evil.com") and leading
//   dots are refused, since a name already covers its subdomains.
//
// A lookup costs one hash probe per label of the host and allocates nothing.
//
// @par Thread Safety
// Immutable after construction: contains() may be called from any thread.
class DomainSet {
 public:
  DomainSet() = default;
  // Throws InvalidEntry naming the first entry that is not a host name or IP address.
  explicit DomainSet(const std::vector<std::string>& entries);

  bool contains(std::string_view host) const;
  bool empty() const { return names_.empty() && addresses_.empty(); }
  std::size_t size() const { return names_.size() + addresses_.size(); }

 private:
  // Hash and equality ignore ASCII case, so lookups need no lowercased copy; both are
  // transparent, so a std::string_view probes the set without building a string.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const;
  };
  struct NameEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  struct AddressHash {
    std::size_t operator()(const IpAddress& address) const;
  };

  std::unordered_set<std::string, NameHash, NameEqual> names_;
  std::unordered_set<IpAddress, AddressHash> addresses_;
};

}  // namespace proxy::plugins::common
