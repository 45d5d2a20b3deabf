#include "stamp_settings.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <proxy/sdk.hpp>

namespace header_stamp {
namespace {

namespace setting = proxy::sdk::setting;

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

// Each check returns why a value is refused, or "" when it is fine.
std::string name_problem(std::string_view name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
    return "letters, digits and !#$%&'*+-.^_`|~ only";
  }
  if (is_reserved(name)) {
    return "it is managed by the proxy and cannot be stamped";
  }
  return "";
}

std::string value_problem(std::string_view text) {
  // Visible ASCII, space and tab; no leading or trailing whitespace.
  const bool printable = std::all_of(text.begin(), text.end(),
                                     [](char c) { return c == '\t' || (c >= ' ' && c <= '~'); });
  const bool trimmed = text.empty() || (text.front() != ' ' && text.front() != '\t' &&
                                        text.back() != ' ' && text.back() != '\t');
  return printable && trimmed ? "" : "no control characters, no spaces at either end";
}

std::string endpoint_problem(std::string_view path) {
  return path.empty() || path.front() == '/' ? "" : "it does not start with '/'";
}

}  // namespace

StampSettings parse_stamp_settings(const nlohmann::json& settings) {
  // Refuses keys other than these, so a typo stops startup instead of being ignored.
  const proxy::sdk::SettingsReader reader(settings, {"name", "value", "endpoint"});
  StampSettings parsed;
  parsed.name = reader.get(
      "name", setting::Text{"a header name that the proxy does not manage", name_problem},
      parsed.name);
  parsed.value = reader.get(
      "value", setting::Text{"printable ASCII without leading or trailing spaces", value_problem},
      parsed.value);
  parsed.endpoint = reader.get(
      "endpoint", setting::Text{"a path starting with '/', or \"\" for none", endpoint_problem},
      parsed.endpoint);
  return parsed;
}

}  // namespace header_stamp
