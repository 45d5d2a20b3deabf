#include "stamp_settings.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <proxy/sdk.hpp>

namespace header_stamp {
namespace {

using proxy::sdk::SettingsError;

// RFC 9110 token characters: what a field name may be made of.
bool is_token_char(char c) {
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         extra.find(c) != std::string_view::npos;
}

// Fields the proxy itself owns (framing, routing, hop-by-hop): stamping one of them
// would change how the request is forwarded, not just what the origin sees.
bool is_reserved(std::string_view name) {
  constexpr std::array<std::string_view, 11> reserved = {
      "host",    "content-length", "transfer-encoding",   "connection",       "keep-alive", "te",
      "trailer", "upgrade",        "proxy-authorization", "proxy-connection", "via"};
  return std::any_of(reserved.begin(), reserved.end(),
                     [name](std::string_view r) { return proxy::sdk::iequals(name, r); });
}

std::string string_setting(const nlohmann::json& value, const char* key) {
  if (!value.is_string()) {
    throw SettingsError(key, "expected a string");
  }
  return value.get<std::string>();
}

std::string header_name(const nlohmann::json& value) {
  std::string name = string_setting(value, "name");
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
    throw SettingsError("name", "expected a header name (letters, digits and !#$%&'*+-.^_`|~)");
  }
  if (is_reserved(name)) {
    throw SettingsError("name", "'" + name + "' is managed by the proxy and cannot be stamped");
  }
  return name;
}

std::string header_value(const nlohmann::json& value) {
  std::string text = string_setting(value, "value");
  // Visible ASCII, space and tab; no leading or trailing whitespace.
  const bool printable = std::all_of(text.begin(), text.end(),
                                     [](char c) { return c == '\t' || (c >= ' ' && c <= '~'); });
  const bool trimmed = text.empty() || (text.front() != ' ' && text.front() != '\t' &&
                                        text.back() != ' ' && text.back() != '\t');
  if (!printable || !trimmed) {
    throw SettingsError("value", "expected printable ASCII without leading or trailing spaces");
  }
  return text;
}

std::string endpoint_path(const nlohmann::json& value) {
  std::string path = string_setting(value, "endpoint");
  if (!path.empty() && path.front() != '/') {
    throw SettingsError("endpoint", "expected a path starting with '/', or \"\" for none");
  }
  return path;
}

}  // namespace

StampSettings parse_stamp_settings(const nlohmann::json& settings) {
  StampSettings parsed;
  if (settings.is_null()) {
    return parsed;
  }
  if (!settings.is_object()) {
    throw SettingsError("", "expected a mapping");
  }
  for (const auto& [key, value] : settings.items()) {
    if (key == "name") {
      parsed.name = header_name(value);
    } else if (key == "value") {
      parsed.value = header_value(value);
    } else if (key == "endpoint") {
      parsed.endpoint = endpoint_path(value);
    } else {
      throw SettingsError(key, "unknown setting (expected one of: name, value, endpoint)");
    }
  }
  return parsed;
}

}  // namespace header_stamp
