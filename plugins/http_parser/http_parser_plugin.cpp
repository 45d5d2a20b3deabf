#include "http_parser_plugin.hpp"

namespace proxy::plugins::http_parser {

HttpParserPlugin::HttpParserPlugin(sdk::PluginContext& context) {
  const nlohmann::json& settings = context.settings();
  // An absent settings block arrives as an empty object; a YAML key with nothing under it
  // arrives as null. Both mean "no settings".
  if (settings.is_null()) {
    return;
  }
  if (!settings.is_object()) {
    throw sdk::SettingsError("", "expected a mapping");
  }
  if (!settings.empty()) {
    throw sdk::SettingsError(settings.begin().key(), "unknown setting");
  }
}

}  // namespace proxy::plugins::http_parser
