#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace proxy::host {

// Why a plugin could not be loaded or started. Every kind stops startup.
enum class PluginErrorKind {
  not_found,          // no lib<name>.so or <name>.so in any plugin folder
  not_a_library,      // the file exists but the loader refused it
  missing_export,     // one of the four PROXY_SYMBOL_* entry points is absent
  abi_mismatch,       // built against an incompatible PROXY_SDK_ABI_VERSION
  factory_failed,     // proxy_plugin_create failed (the plugin's constructor threw)
  settings_rejected,  // the plugin refused its plugins.settings.<name>
  no_http_parser,     // no enabled plugin provides the HTTP parser capability
};

std::string_view to_string(PluginErrorKind kind);

// A plugin failure at startup. what() is one line and names the plugin (and its file when
// one was found), so the operator can act on it without a debugger.
class PluginError : public std::runtime_error {
 public:
  // `plugin` is empty only for no_http_parser, which is about the enabled set as a whole.
  PluginError(PluginErrorKind kind, std::string plugin, const std::string& message);

  PluginErrorKind kind() const { return kind_; }
  const std::string& plugin() const { return plugin_; }

 private:
  PluginErrorKind kind_;
  std::string plugin_;
};

// Flattens text a plugin produced (an exception message, a settings complaint) onto one
// line, so a startup error never spans several log lines.
std::string one_line(std::string_view text);

}  // namespace proxy::host
