#include "http_parser_plugin.hpp"

namespace proxy::plugins::http_parser {

HttpParserPlugin::HttpParserPlugin(sdk::PluginContext& context) {
  const nlohmann::json& settings = context.settings();
  // The core hands an absent or empty settings block over as an empty object; null is
  // accepted too, for a host that passes it through as written. Both mean "no settings".
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
