#include "http_parser_plugin.hpp"

#include "proxy/sdk/settings.hpp"

namespace proxy::plugins::http_parser {

HttpParserPlugin::HttpParserPlugin(sdk::PluginContext& context) {
  // No settings yet: an empty or absent block passes, any key is refused.
  const sdk::SettingsReader reader(context, {});
}

}  // namespace proxy::plugins::http_parser
