#include "settings_reader.hpp"

#include <algorithm>
#include <cmath>

#include "invalid_entry.hpp"
#include "proxy/sdk/context.hpp"

namespace proxy::plugins::common {
namespace {

using sdk::SettingsError;

std::string entry_key(const std::string& key, std::size_t index) {
  return key + "[" + std::to_string(index) + "]";
}

}  // namespace

SettingsReader::SettingsReader(const nlohmann::json& settings,
                               std::initializer_list<std::string_view> known_keys)
    : settings_(settings) {
  if (settings.is_null()) {
    return;
  }
  if (!settings.is_object()) {
    throw SettingsError("", "expected a mapping of settings");
  }
  for (const auto& item : settings.items()) {
    if (std::find(known_keys.begin(), known_keys.end(), item.key()) == known_keys.end()) {
      std::string known;
      for (const std::string_view name : known_keys) {
        known += (known.empty() ? "" : ", ") + std::string(name);
      }
      throw SettingsError(item.key(), "unknown setting (known: " + known + ")");
    }
  }
}

const nlohmann::json* SettingsReader::find(const std::string& key) const {
  if (!settings_.is_object()) {
    return nullptr;
  }
  const auto it = settings_.find(key);
  if (it == settings_.end()) {
    return nullptr;
  }
  if (it->is_null()) {
    throw SettingsError(key, "has no value (remove the key for the default)");
  }
  return &*it;
}

std::vector<std::string> SettingsReader::strings(const std::string& key,
                                                 std::vector<std::string> fallback) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) {
    return fallback;
  }
  if (!value->is_array()) {
    throw SettingsError(key, "expected a list of strings");
  }
  std::vector<std::string> out;
  out.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    if (!(*value)[i].is_string()) {
      throw SettingsError(entry_key(key, i), "expected a string");
    }
    out.push_back((*value)[i].get<std::string>());
  }
  return out;
}

DomainSet SettingsReader::domains(const std::string& key,
                                  const std::vector<std::string>& fallback) const {
  try {
    return DomainSet(strings(key, fallback));
  } catch (const InvalidEntry& e) {
    throw SettingsError(entry_key(key, e.index()), e.what());
  }
}

NetworkList SettingsReader::networks(const std::string& key,
                                     const std::vector<std::string>& fallback) const {
  try {
    return NetworkList(strings(key, fallback));
  } catch (const InvalidEntry& e) {
    throw SettingsError(entry_key(key, e.index()), e.what());
  }
}

std::vector<std::uint16_t> SettingsReader::ports(const std::string& key,
                                                 std::vector<std::uint16_t> fallback) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) {
    return fallback;
  }
  if (!value->is_array()) {
    throw SettingsError(key, "expected a list of ports");
  }
  std::vector<std::uint16_t> out;
  out.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    const nlohmann::json& port = (*value)[i];
    // Only integers: 443.0, "443" and true are refused. A huge unsigned value is kept
    // out of the signed read, where it would wrap.
    std::int64_t number = 0;
    if (port.is_number_unsigned()) {
      number = port.get<std::uint64_t>() <= 65535 ? port.get<std::int64_t>() : 0;
    } else if (port.is_number_integer()) {
      number = port.get<std::int64_t>();
    }
    if (number < 1 || number > 65535) {
      throw SettingsError(entry_key(key, i), "expected a port number in 1..65535");
    }
    out.push_back(static_cast<std::uint16_t>(number));
  }
  return out;
}

bool SettingsReader::boolean(const std::string& key, bool fallback) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) {
    return fallback;
  }
  if (!value->is_boolean()) {
    throw SettingsError(key, "expected true or false");
  }
  return value->get<bool>();
}

std::string SettingsReader::choice(const std::string& key,
                                   std::initializer_list<std::string_view> options,
                                   std::string fallback) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) {
    return fallback;
  }
  std::string expected;
  for (const std::string_view option : options) {
    expected += (expected.empty() ? "" : " | ") + std::string(option);
  }
  if (!value->is_string() || std::find(options.begin(), options.end(),
                                       value->get_ref<const std::string&>()) == options.end()) {
    throw SettingsError(key, "expected one of: " + expected);
  }
  return value->get<std::string>();
}

std::chrono::milliseconds SettingsReader::seconds(const std::string& key,
                                                  std::chrono::milliseconds fallback,
                                                  double max_seconds) const {
  const nlohmann::json* value = find(key);
  if (value == nullptr) {
    return fallback;
  }
  const std::string expected = "expected a number of seconds greater than 0 and at most " +
                               std::to_string(static_cast<long long>(max_seconds));
  if (!value->is_number()) {
    throw SettingsError(key, expected);
  }
  const double seconds = value->get<double>();
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > max_seconds) {
    throw SettingsError(key, expected);
  }
  const auto ms = std::chrono::milliseconds(std::llround(seconds * 1000));
  if (ms.count() == 0) {
    throw SettingsError(key, expected + " (the smallest step is 0.001)");
  }
  return ms;
}

}  // namespace proxy::plugins::common
