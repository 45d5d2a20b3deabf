#include "plugin_host/plugin_error.hpp"

namespace proxy::host {

std::string_view to_string(PluginErrorKind kind) {
  switch (kind) {
    case PluginErrorKind::not_found:
      return "not_found";
    case PluginErrorKind::not_a_library:
      return "not_a_library";
    case PluginErrorKind::missing_export:
      return "missing_export";
    case PluginErrorKind::abi_mismatch:
      return "abi_mismatch";
    case PluginErrorKind::factory_failed:
      return "factory_failed";
    case PluginErrorKind::settings_rejected:
      return "settings_rejected";
    case PluginErrorKind::no_http_parser:
      return "no_http_parser";
  }
  return "unknown";
}

PluginError::PluginError(PluginErrorKind kind, std::string plugin, const std::string& message)
    : std::runtime_error(one_line(message)), kind_(kind), plugin_(std::move(plugin)) {}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

}  // namespace proxy::host
