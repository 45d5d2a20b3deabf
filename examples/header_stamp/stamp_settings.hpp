#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace header_stamp {

// plugins.settings.header_stamp, validated.
struct StampSettings {
  std::string name = "X-Proxy-Stamp";  // the header added to each forwarded request
  std::string value = "proxy-server";
  std::string endpoint = "/_header_stamp";  // where the count is served; "" for none
};

// Reads and checks the settings. Throws proxy::sdk::SettingsError naming the key, which
// the host reports as "plugins.settings.header_stamp.<key>: <message>" and stops (exit 2).
StampSettings parse_stamp_settings(const nlohmann::json& settings);

}  // namespace header_stamp
