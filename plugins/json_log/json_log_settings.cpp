#include "json_log_settings.hpp"

#include <limits>
#include <string>
#include <string_view>

#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::json_log {
namespace {

std::string path_problem(std::string_view path) {
  if (path.empty()) {
    return "it is empty";
  }
  if (path.find('\0') != std::string_view::npos) {
    return "it holds a NUL byte";
  }
  return "";
}

}  // namespace

Settings parse_settings(const nlohmann::json& settings) {
  const sdk::SettingsReader reader(
      settings, {"path", "max_file_bytes", "max_files", "queue_size", "flush_interval_ms"});
  Settings parsed;
  parsed.path = reader.get(
      "path", sdk::setting::Text{"\"-\" for stdout, or a file path", path_problem}, parsed.path);
  parsed.max_file_bytes = reader.integer("max_file_bytes", parsed.max_file_bytes, min_file_bytes,
                                         std::numeric_limits<std::int64_t>::max());
  parsed.max_files = reader.integer("max_files", parsed.max_files, 1, max_max_files);
  parsed.queue_size = reader.integer("queue_size", parsed.queue_size, 1, max_queue_size);
  parsed.flush_interval_ms =
      reader.integer("flush_interval_ms", parsed.flush_interval_ms, 1, max_flush_interval_ms);
  return parsed;
}

}  // namespace proxy::plugins::json_log
