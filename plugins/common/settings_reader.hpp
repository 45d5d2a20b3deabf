#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain_set.hpp"
#include "network_list.hpp"

namespace proxy::plugins::common {

// Strict reading of a plugin's settings (plugins.settings.<plugin>) at construction.
// Every problem throws sdk::SettingsError naming the key, and the list entry as
// "key[index]" where one is at fault, so startup stops with
// "plugins.settings.<plugin>.<key>[i]: <what was expected>". An absent key takes the
// default the caller passes; a key present with no value (YAML null) is an error, since
// an empty list written as nothing is more likely a slip than a wish.
//
// @par Thread Safety
// For use in a constructor; keeps a reference to `settings`, which must outlive it.
class SettingsReader {
 public:
  // Settings must be a mapping (or null: no settings); a key outside `known_keys` is
  // refused, so a typo is not silently ignored.
  SettingsReader(const nlohmann::json& settings,
                 std::initializer_list<std::string_view> known_keys);

  std::vector<std::string> strings(const std::string& key, std::vector<std::string> fallback) const;
  DomainSet domains(const std::string& key, const std::vector<std::string>& fallback = {}) const;
  NetworkList networks(const std::string& key, const std::vector<std::string>& fallback) const;
  // Integers in 1..65535.
  std::vector<std::uint16_t> ports(const std::string& key,
                                   std::vector<std::uint16_t> fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  // One of `options`, compared exactly.
  std::string choice(const std::string& key, std::initializer_list<std::string_view> options,
                     std::string fallback) const;
  // A number of seconds, greater than 0 and at most `max_seconds`, kept as whole
  // milliseconds (the smallest step is 0.001), as the core reads its timeouts.
  std::chrono::milliseconds seconds(const std::string& key, std::chrono::milliseconds fallback,
                                    double max_seconds) const;

 private:
  // The value under `key`; nullptr when absent. Throws when it is null.
  const nlohmann::json* find(const std::string& key) const;

  const nlohmann::json& settings_;
};

}  // namespace proxy::plugins::common
