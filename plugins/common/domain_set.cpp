#include "domain_set.hpp"

#include <algorithm>

#include "invalid_entry.hpp"

namespace proxy::plugins::common {
namespace {

// RFC 1035 limits: 253 characters of name (without the trailing dot), 63 per label.
constexpr std::size_t max_name_length = 253;
constexpr std::size_t max_label_length = 63;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_name_char(char c) {
  // '_' is not valid in host names but appears in real ones (and the core accepts it).
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string_view trim_trailing_dots(std::string_view host) {
  while (!host.empty() && host.back() == '.') {
    host.remove_suffix(1);
  }
  return host;
}

// What is wrong with `name` as a host name, or empty when it is a valid one.
std::string name_problem(std::string_view name) {
  if (name.size() > max_name_length) {
    return "longer than 253 characters";
  }
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && name[i] != '.') {
      if (!is_name_char(name[i])) {
        return "only letters, digits, '-', '_' and '.' are allowed in a host name";
      }
      continue;
    }
    const std::size_t length = i - label_start;
    if (length == 0) {
      return "empty label";
    }
    if (length > max_label_length) {
      return "label longer than 63 characters";
    }
    label_start = i + 1;
  }
  // A top-level label is never all digits: "10.0.0" is a mistyped address, not a name.
  const std::string_view last = name.substr(name.rfind('.') + 1);
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "neither a host name nor a complete IP address";
  }
  return {};
}

}  // namespace

std::size_t DomainSet::NameHash::operator()(std::string_view name) const {
  // FNV-1a over the lowercased bytes.
  std::size_t hash = 14695981039346656037ULL;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(lower(c));
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool DomainSet::NameEqual::operator()(std::string_view a, std::string_view b) const {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::size_t DomainSet::AddressHash::operator()(const IpAddress& address) const {
  std::size_t hash = address.is_v6 ? 1 : 0;
  for (const std::uint8_t byte : address.bytes) {
    hash = hash * 131 + byte;
  }
  return hash;
}

DomainSet::DomainSet(const std::vector<std::string>& entries) {
  for (std::size_t index = 0; index < entries.size(); ++index) {
    const std::string_view entry = entries[index];
    if (entry.empty()) {
      throw InvalidEntry(index, "empty entry");
    }
    if (entry.find('*') != std::string_view::npos) {
      throw InvalidEntry(index,
                         "wildcards are not supported: write 'evil.com', which "
                         "covers its subdomains too");
    }
    if (entry.front() == '.') {
      throw InvalidEntry(index,
                         "leading dot: write 'evil.com', which covers its "
                         "subdomains too");
    }
    if (entry.find('/') != std::string_view::npos) {
      throw InvalidEntry(index, "a host name or IP address is expected, not a URL or network");
    }
    std::string_view literal = trim_trailing_dots(entry);
    if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']') {
      literal = literal.substr(1, literal.size() - 2);
    }
    if (const auto address = parse_ip_literal(literal)) {
      addresses_.insert(address->is_v4_mapped() ? address->mapped_v4() : *address);
      continue;
    }
    if (literal.find(':') != std::string_view::npos) {
      throw InvalidEntry(index, "neither a host name nor an IP address (no ports here)");
    }
    const std::string_view name = literal;
    const std::string problem = name.empty() ? "empty host name" : name_problem(name);
    if (!problem.empty()) {
      throw InvalidEntry(index, problem);
    }
    std::string stored(name);
    std::transform(stored.begin(), stored.end(), stored.begin(), lower);
    names_.insert(std::move(stored));
  }
}

bool DomainSet::contains(std::string_view host) const {
  host = trim_trailing_dots(host);
  if (host.empty()) {
    return false;
  }
  if (const auto address = parse_numeric_host(host)) {
    return addresses_.contains(*address);
  }
  if (names_.empty()) {
    return false;
  }
  // The host itself, then each parent: a.b.evil.com, b.evil.com, evil.com, com.
  for (;;) {
    if (names_.find(host) != names_.end()) {
      return true;
    }
    const auto dot = host.find('.');
    if (dot == std::string_view::npos) {
      return false;
    }
    host.remove_prefix(dot + 1);
  }
}

}  // namespace proxy::plugins::common
