#pragma once

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/sdk/context.hpp"
#include "proxy/sdk/network.hpp"

// Strict, typed reading of a plugin's settings (plugins.settings.<name>), done once in the
// constructor. Every problem throws SettingsError naming the key, "key[i]" for a list
// entry and "section.key" inside a nested map; the host prefixes
// "plugins.settings.<name>." and stops startup, e.g.
//   plugins.settings.access_policy.client_allow[2]: expected an IP address or network
//   such as 10.0.0.0/8 or ::1/128, got "10.0.0.0/33" (the prefix length is above /32)
// Messages read "expected <what>, got <what was found>", as the core's own config errors.
namespace proxy::sdk {

// How one value is read: `expected` says what is accepted (it ends up in the error after
// "expected "), read() returns the value or nullopt, and may say why in `why`. These are
// the kinds SettingsReader's getters use; a plugin may write its own with the same shape.
namespace setting {

struct Boolean {
  using value_type = bool;
  std::string expected = "true or false";
  std::optional<bool> read(const nlohmann::json& value, std::string& /*why*/) const {
    return value.is_boolean() ? std::optional<bool>(value.get<bool>()) : std::nullopt;
  }
};

// An integer in [min, max]; floats (443.0), strings ("443") and booleans are refused.
template <class T>
requires(std::integral<T> && !std::same_as<T, bool>) struct Integer {
  using value_type = T;
  T min = std::numeric_limits<T>::min();
  T max = std::numeric_limits<T>::max();
  std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);

  std::optional<T> read(const nlohmann::json& value, std::string& /*why*/) const {
    // nlohmann keeps negative integers signed and the rest unsigned: read each as it is
    // stored, so a huge value cannot wrap into range.
    if (value.is_number_unsigned()) {
      return in_range(value.get<std::uint64_t>());
    }
    if (value.is_number_integer()) {
      return in_range(value.get<std::int64_t>());
    }
    return std::nullopt;
  }

 private:
  template <class N>
  std::optional<T> in_range(N number) const {
    if (std::cmp_less(number, min) || std::cmp_greater(number, max)) {
      return std::nullopt;
    }
    return static_cast<T>(number);
  }
};

namespace detail {

// A bound as people write it: 86400, 0.001, 1e+300.
inline std::string format_number(double number) {
  if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) < 1e15) {
    return std::to_string(static_cast<long long>(number));
  }
  return nlohmann::json(number).dump();
}

}  // namespace detail

// A finite number (integer or not) from min to max; above_min makes min itself refused.
struct Number {
  using value_type = double;
  double min = -std::numeric_limits<double>::max();
  double max = std::numeric_limits<double>::max();
  bool above_min = false;
  std::string expected = (above_min ? "a number greater than " : "a number from ") +
                         detail::format_number(min) + (above_min ? " and at most " : " to ") +
                         detail::format_number(max);

  std::optional<double> read(const nlohmann::json& value, std::string& /*why*/) const {
    if (!value.is_number()) {  // false for booleans too
      return std::nullopt;
    }
    const double number = value.get<double>();
    const bool low = above_min ? number <= min : number < min;
    if (!std::isfinite(number) || low || number > max) {
      return std::nullopt;
    }
    return number;
  }
};

// A duration as the core's config writes them: a number of seconds, possibly fractional,
// greater than 0 (or from 0 with allow_zero) and at most max, kept as whole milliseconds.
struct Seconds {
  using value_type = std::chrono::milliseconds;
  double max = 3600;
  bool allow_zero = false;
  std::string expected = "a number of seconds " +
                         std::string(allow_zero ? "from 0 to " : "greater than 0 and at most ") +
                         detail::format_number(max);

  std::optional<std::chrono::milliseconds> read(const nlohmann::json& value,
                                                std::string& why) const {
    if (!value.is_number()) {
      return std::nullopt;
    }
    const double seconds = value.get<double>();
    if (!std::isfinite(seconds) || seconds < 0 || (!allow_zero && seconds == 0) || seconds > max) {
      return std::nullopt;
    }
    const auto ms = std::chrono::milliseconds(std::llround(seconds * 1000));
    if (ms.count() == 0 && seconds > 0) {
      why = "the smallest step is 0.001";
      return std::nullopt;
    }
    return ms;
  }
};

// A string; `check` (optional) returns why a string is not acceptable, or "" when it is.
struct Text {
  using value_type = std::string;
  std::string expected = "a string";
  std::function<std::string(std::string_view)> check = {};

  std::optional<std::string> read(const nlohmann::json& value, std::string& why) const {
    if (!value.is_string()) {
      return std::nullopt;
    }
    const auto& text = value.get_ref<const std::string&>();
    if (check) {
      why = check(text);
      if (!why.empty()) {
        return std::nullopt;
      }
    }
    return text;
  }
};

// One of a few fixed words, compared exactly.
struct OneOf {
  using value_type = std::string;
  std::vector<std::string> options = {};
  std::string expected = describe(options);

  std::optional<std::string> read(const nlohmann::json& value, std::string& /*why*/) const {
    if (!value.is_string()) {
      return std::nullopt;
    }
    const auto& text = value.get_ref<const std::string&>();
    for (const std::string& option : options) {
      if (text == option) {
        return text;
      }
    }
    return std::nullopt;
  }

  static std::string describe(const std::vector<std::string>& options) {
    std::string text = "one of ";
    for (std::size_t i = 0; i < options.size(); ++i) {
      text += (i == 0 ? "" : " | ") + options[i];
    }
    return text;
  }
};

// An IPv4 or IPv6 network in CIDR form, or a bare address (see parse_network).
struct Cidr {
  using value_type = Network;
  std::string expected = "an IP address or network such as 10.0.0.0/8 or ::1/128";

  std::optional<Network> read(const nlohmann::json& value, std::string& why) const {
    if (!value.is_string()) {
      return std::nullopt;
    }
    return parse_network(value.get_ref<const std::string&>(), &why);
  }
};

}  // namespace setting

// Passed where a getter takes its default, for a key that must be given.
// Like std::nullopt_t, not constructible from {}, so `{}` stays an empty default.
struct Required {
  struct Tag {};
  explicit constexpr Required(Tag) {}
};
inline constexpr Required required{Required::Tag{}};

// How many entries a list may have.
struct ListSize {
  std::size_t min = 0;
  std::size_t max = std::numeric_limits<std::size_t>::max();
};

// Reads one plugin's settings map, or a map nested in it.
//
// - Keys outside `known_keys` are refused when the reader is made, so a typo stops
//   startup rather than falling back to a default; asking a getter for a key that is not
//   in `known_keys` is a bug in the plugin and throws std::logic_error.
// - An absent key gives the default passed to the getter, or an error when the getter is
//   passed `required`. A key present with no value (YAML `key:` or `~`) is an error: an
//   empty value is more likely a slip than a wish for the default.
// - Null settings (the plugin's key with nothing under it) are an empty map.
//
// @par Thread Safety
// For use in a plugin's constructor. Keeps a reference to the settings JSON, which must
// outlive it and every reader section() returns (context.settings() does).
class SettingsReader {
 public:
  using Keys = std::initializer_list<std::string_view>;

  SettingsReader(const nlohmann::json& settings, Keys known_keys)
      : SettingsReader(settings, known_keys, std::string()) {}
  SettingsReader(const PluginContext& context, Keys known_keys)
      : SettingsReader(context.settings(), known_keys) {}

  // The path errors name for `key`, relative to plugins.settings.<name>.
  std::string path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  std::string path(std::string_view key, std::size_t index) const {
    return path(key) + "[" + std::to_string(index) + "]";
  }

  // True when `key` is given (with a value or as null).
  bool has(std::string_view key) const { return value_of(key) != nullptr; }

  // ---- One value ----------------------------------------------------------------------

  template <class Kind>
  typename Kind::value_type get(std::string_view key, const Kind& kind,
                                typename Kind::value_type fallback) const {
    const nlohmann::json* value = present(key, kind.expected, false);
    return value == nullptr ? fallback : read(*value, path(key), kind);
  }
  template <class Kind>
  typename Kind::value_type get(std::string_view key, const Kind& kind, Required) const {
    return read(*present(key, kind.expected, true), path(key), kind);
  }

  bool boolean(std::string_view key, bool fallback) const {
    return get(key, setting::Boolean{}, fallback);
  }
  template <class T>
  T integer(std::string_view key, T fallback, std::type_identity_t<T> min,
            std::type_identity_t<T> max) const {
    return get(key, setting::Integer<T>{min, max}, fallback);
  }
  double number(std::string_view key, double fallback, double min, double max) const {
    return get(key, setting::Number{min, max}, fallback);
  }
  // Seconds greater than 0 and at most max_seconds, as whole milliseconds.
  std::chrono::milliseconds seconds(std::string_view key, std::chrono::milliseconds fallback,
                                    double max_seconds) const {
    return get(key, setting::Seconds{max_seconds}, fallback);
  }
  std::string string(std::string_view key, std::string fallback) const {
    return get(key, setting::Text{}, std::move(fallback));
  }
  std::string choice(std::string_view key, std::vector<std::string> options,
                     std::string fallback) const {
    return get(key, setting::OneOf{std::move(options)}, std::move(fallback));
  }

  // ---- Lists --------------------------------------------------------------------------

  template <class Kind>
  std::vector<typename Kind::value_type> list(std::string_view key, const Kind& kind,
                                              std::vector<typename Kind::value_type> fallback,
                                              ListSize size = {}) const {
    const nlohmann::json* value = present(key, list_expected(kind, size), false);
    return value == nullptr ? fallback : read_list(*value, key, kind, size);
  }
  template <class Kind>
  std::vector<typename Kind::value_type> list(std::string_view key, const Kind& kind, Required,
                                              ListSize size = {}) const {
    return read_list(*present(key, list_expected(kind, size), true), key, kind, size);
  }

  std::vector<std::string> strings(std::string_view key, std::vector<std::string> fallback) const {
    return list(key, setting::Text{}, std::move(fallback));
  }
  // Networks as NetworkList matches them; the default is written as text, like the
  // settings ({"127.0.0.0/8", "::1/128"}), and must itself be valid.
  NetworkList networks(std::string_view key,
                       std::initializer_list<std::string_view> fallback) const {
    if (declared(key) != nullptr) {
      return NetworkList(list(key, setting::Cidr{}, std::vector<Network>{}));
    }
    std::vector<Network> networks;
    for (const std::string_view text : fallback) {
      const auto network = parse_network(text);
      if (!network) {
        throw std::logic_error("invalid default network '" + std::string(text) + "' for " +
                               path(key));
      }
      networks.push_back(*network);
    }
    return NetworkList(std::move(networks));
  }

  // ---- Nested maps --------------------------------------------------------------------

  // The map under `key`, read with its own known keys; absent or null is an empty map.
  SettingsReader section(std::string_view key, Keys known_keys) const {
    const nlohmann::json* value = declared(key);
    return SettingsReader(value == nullptr ? null_json() : *value, known_keys, path(key));
  }
  // A list of maps ("routes: [{...}, {...}]"), each read with the same known keys; errors
  // name "key[i].field".
  std::vector<SettingsReader> sections(std::string_view key, Keys known_keys,
                                       ListSize size = {}) const {
    const nlohmann::json* value = present(key, size_text(size) + ", each entry a map", false);
    std::vector<SettingsReader> out;
    if (value == nullptr) {
      return out;
    }
    check_list(*value, path(key), "a map", size);
    for (std::size_t i = 0; i < value->size(); ++i) {
      out.push_back(SettingsReader((*value)[i], known_keys, path(key, i)));
    }
    return out;
  }
  // A map of user-chosen names to maps ("parents: {corp: {...}}"), sorted by name (a
  // JSON object keeps no order: do not give the order a meaning); errors name
  // "key.<name>.field".
  std::vector<std::pair<std::string, SettingsReader>> named_sections(std::string_view key,
                                                                     Keys known_keys) const {
    const nlohmann::json* value = present(key, "a map", false);
    std::vector<std::pair<std::string, SettingsReader>> out;
    if (value == nullptr) {
      return out;
    }
    if (!value->is_object()) {
      fail(path(key), *value, "a map");
    }
    for (const auto& item : value->items()) {
      out.emplace_back(item.key(),
                       SettingsReader(item.value(), known_keys, path(key) + "." + item.key()));
    }
    return out;
  }

  // ---- Checks of the plugin's own -----------------------------------------------------

  // Throws the error for the value under `key` (or its entry `index`) not being
  // `expected`, e.g. after a check that spans several values:
  //   reader.reject("buckets", 2, "a bound above the one before it");
  [[noreturn]] void reject(std::string_view key, std::string_view expected,
                           std::string_view why = {}) const {
    const nlohmann::json* value = value_of(key);
    fail(path(key), value == nullptr ? null_json() : *value, expected, why);
  }
  [[noreturn]] void reject(std::string_view key, std::size_t index, std::string_view expected,
                           std::string_view why = {}) const {
    const nlohmann::json* value = value_of(key);
    const bool has_entry = value != nullptr && value->is_array() && index < value->size();
    fail(path(key, index), has_entry ? (*value)[index] : null_json(), expected, why);
  }

  // What was found, for "got ...": strings and numbers as JSON (so control characters
  // cannot break the one-line message), long ones cut; lists and maps by their shape.
  static std::string describe(const nlohmann::json& value) {
    constexpr std::size_t max_text = 100;
    if (value.is_null()) {
      return "nothing (null)";
    }
    if (value.is_array()) {
      return value.empty()       ? "an empty list"
             : value.size() == 1 ? "a list of 1 entry"
                                 : "a list of " + std::to_string(value.size()) + " entries";
    }
    if (value.is_object()) {
      return "a map";
    }
    if (value.is_string() && value.get_ref<const std::string&>().size() > max_text) {
      return dump(nlohmann::json(value.get_ref<const std::string&>().substr(0, max_text))) + "...";
    }
    return dump(value);
  }

 private:
  SettingsReader(const nlohmann::json& settings, Keys known_keys, std::string prefix)
      : settings_(settings),
        known_(known_keys.begin(), known_keys.end()),
        prefix_(std::move(prefix)) {
    if (settings.is_null()) {
      return;
    }
    if (!settings.is_object()) {
      fail(prefix_, settings, "a map of settings");
    }
    for (const auto& item : settings.items()) {
      if (!is_known(item.key())) {
        std::string names;
        for (const std::string& name : known_) {
          names += (names.empty() ? "" : ", ") + name;
        }
        throw SettingsError(path(item.key()),
                            names.empty() ? "unknown setting (no settings are accepted here)"
                                          : "unknown setting (expected one of: " + names + ")");
      }
    }
  }

  static const nlohmann::json& null_json() {
    static const nlohmann::json null;
    return null;
  }

  static std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  [[noreturn]] static void fail(const std::string& at, const nlohmann::json& value,
                                std::string_view expected, std::string_view why = {}) {
    std::string message = "expected " + std::string(expected) + ", got " + describe(value);
    if (!why.empty()) {
      message += " (" + std::string(why) + ")";
    }
    throw SettingsError(at, message);
  }

  bool is_known(std::string_view key) const {
    for (const std::string& name : known_) {
      if (name == key) {
        return true;
      }
    }
    return false;
  }

  const nlohmann::json* value_of(std::string_view key) const {
    if (!settings_.is_object()) {
      return nullptr;
    }
    const auto it = settings_.find(key);
    return it == settings_.end() ? nullptr : &*it;
  }

  // The value under a declared key; nullptr when absent.
  const nlohmann::json* declared(std::string_view key) const {
    if (!is_known(key)) {
      throw std::logic_error("settings key " + path(key) + " is read but not declared known");
    }
    return value_of(key);
  }

  // The value under `key`, never null: a null value, or an absent required key, throws.
  const nlohmann::json* present(std::string_view key, std::string_view expected,
                                bool is_required) const {
    const nlohmann::json* value = declared(key);
    if (value == nullptr) {
      if (is_required) {
        throw SettingsError(path(key),
                            "required setting missing (expected " + std::string(expected) + ")");
      }
      return nullptr;
    }
    if (value->is_null()) {
      std::string message = "expected " + std::string(expected) + ", got " + describe(*value);
      if (!is_required) {
        message += "; remove the key for the default";
      }
      throw SettingsError(path(key), message);
    }
    return value;
  }

  template <class Kind>
  static typename Kind::value_type read(const nlohmann::json& value, const std::string& at,
                                        const Kind& kind) {
    std::string why;
    auto out = kind.read(value, why);
    if (!out) {
      fail(at, value, kind.expected, why);
    }
    return std::move(*out);
  }

  static std::string size_text(ListSize size) {
    constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();
    if (size.min == 0 && size.max == unbounded) {
      return "a list";
    }
    if (size.max == unbounded) {
      return size.min == 1 ? "a non-empty list"
                           : "a list of at least " + std::to_string(size.min) + " entries";
    }
    return "a list of " + std::to_string(size.min) + " to " + std::to_string(size.max) + " entries";
  }

  template <class Kind>
  static std::string list_expected(const Kind& kind, ListSize size) {
    return size_text(size) + ", each entry " + kind.expected;
  }

  static void check_list(const nlohmann::json& value, const std::string& at, std::string_view each,
                         ListSize size) {
    if (!value.is_array()) {
      fail(at, value, size_text(size) + ", each entry " + std::string(each));
    }
    if (value.size() < size.min || value.size() > size.max) {
      fail(at, value, size_text(size));
    }
  }

  template <class Kind>
  std::vector<typename Kind::value_type> read_list(const nlohmann::json& value,
                                                   std::string_view key, const Kind& kind,
                                                   ListSize size) const {
    check_list(value, path(key), kind.expected, size);
    std::vector<typename Kind::value_type> out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.push_back(read(value[i], path(key, i), kind));
    }
    return out;
  }

  const nlohmann::json& settings_;
  std::vector<std::string> known_;
  std::string prefix_;
};

}  // namespace proxy::sdk
