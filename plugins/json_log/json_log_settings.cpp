#include "json_log_settings.hpp"

#include <limits>

#include "proxy/sdk/context.hpp"

namespace proxy::plugins::json_log {
namespace {

using sdk::SettingsError;

std::uint64_t integer_in(const nlohmann::json& value, const char* key, std::uint64_t minimum,
                         std::uint64_t maximum) {
  if (!value.is_number_integer()) {
    throw SettingsError(key, "expected an integer");
  }
  // nlohmann keeps negative YAML integers signed and huge ones unsigned.
  const bool negative = !value.is_number_unsigned() && value.get<std::int64_t>() < 0;
  const std::uint64_t number = negative ? 0 : value.get<std::uint64_t>();
  if (negative || number < minimum || number > maximum) {
    throw SettingsError(key, "expected an integer from " + std::to_string(minimum) + " to " +
                                 std::to_string(maximum));
  }
  return number;
}

std::string path_of(const nlohmann::json& value) {
  if (!value.is_string()) {
    throw SettingsError("path", "expected a string: \"-\" for stdout, or a file path");
  }
  std::string path = value.get<std::string>();
  if (path.empty() || path.find('\0') != std::string::npos) {
    throw SettingsError("path", "expected \"-\" for stdout, or a file path");
  }
  return path;
}

}  // namespace

Settings parse_settings(const nlohmann::json& settings) {
  Settings parsed;
  if (settings.is_null()) {
    return parsed;
  }
  if (!settings.is_object()) {
    throw SettingsError("", "expected a mapping");
  }
  for (const auto& [key, value] : settings.items()) {
    if (key == "path") {
      parsed.path = path_of(value);
    } else if (key == "max_file_bytes") {
      parsed.max_file_bytes = integer_in(value, "max_file_bytes", min_file_bytes,
                                         std::numeric_limits<std::int64_t>::max());
    } else if (key == "max_files") {
      parsed.max_files = integer_in(value, "max_files", 1, max_max_files);
    } else if (key == "queue_size") {
      parsed.queue_size = integer_in(value, "queue_size", 1, max_queue_size);
    } else if (key == "flush_interval_ms") {
      parsed.flush_interval_ms = integer_in(value, "flush_interval_ms", 1, max_flush_interval_ms);
    } else {
      throw SettingsError(key,
                          "unknown setting (expected one of: path, max_file_bytes, "
                          "max_files, queue_size, flush_interval_ms)");
    }
  }
  return parsed;
}

}  // namespace proxy::plugins::json_log
