#include "config/yaml_json.hpp"

#include <charconv>
#include <cstdint>
#include <regex>

#include "config/config_error.hpp"

namespace proxy::config {
namespace {

bool is_null_text(const std::string& text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

const std::regex& decimal_int() {
  static const std::regex pattern("[-+]?[0-9]+");
  return pattern;
}

const std::regex& float_number() {
  static const std::regex pattern(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return pattern;
}

const std::regex& special_float() {
  static const std::regex pattern(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  return pattern;
}

const std::regex& prefixed_int() {
  static const std::regex pattern("0o[0-7]+|0x[0-9a-fA-F]+");
  return pattern;
}

nlohmann::json resolve_integer(const YamlNode& node, const std::string& path) {
  std::string_view text = node.scalar;
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0o")) {
    base = text[1] == 'x' ? 16 : 8;
    text.remove_prefix(2);
  } else if (text.starts_with('+')) {
    text.remove_prefix(1);
  }
  const char* end = text.data() + text.size();
  std::int64_t signed_value = 0;
  if (auto result = std::from_chars(text.data(), end, signed_value, base);
      result.ec == std::errc{} && result.ptr == end) {
    return signed_value;
  }
  std::uint64_t unsigned_value = 0;
  if (auto result = std::from_chars(text.data(), end, unsigned_value, base);
      result.ec == std::errc{} && result.ptr == end) {
    return unsigned_value;
  }
  throw ConfigError(node.file, path, node.line,
                    "integer " + node.scalar + " is out of range (64 bits); quote it for a string");
}

nlohmann::json resolve_float(const YamlNode& node, const std::string& path) {
  std::string_view text = node.scalar;
  if (text.starts_with('+')) {
    text.remove_prefix(1);
  }
  double value = 0;
  const char* end = text.data() + text.size();
  auto result = std::from_chars(text.data(), end, value);
  if (result.ec != std::errc{} || result.ptr != end) {
    throw ConfigError(node.file, path, node.line,
                      "number " + node.scalar + " is out of range; quote it for a string");
  }
  return value;
}

nlohmann::json resolve_plain(const YamlNode& node, const std::string& path) {
  const std::string& text = node.scalar;
  if (is_null_text(text)) {
    return nullptr;
  }
  if (is_yaml_bool(text)) {
    return text[0] == 't' || text[0] == 'T';
  }
  if (std::regex_match(text, decimal_int()) || std::regex_match(text, prefixed_int())) {
    return resolve_integer(node, path);
  }
  if (std::regex_match(text, float_number())) {
    return resolve_float(node, path);
  }
  if (std::regex_match(text, special_float())) {
    throw ConfigError(node.file, path, node.line,
                      "infinity and NaN cannot be passed to plugins (JSON has no such numbers)");
  }
  return text;
}

}  // namespace

bool is_yaml_bool(const std::string& text) {
  return text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
         text == "FALSE";
}

bool plain_scalar_is_typed(const std::string& text) {
  return is_null_text(text) || is_yaml_bool(text) || std::regex_match(text, decimal_int()) ||
         std::regex_match(text, prefixed_int()) || std::regex_match(text, float_number()) ||
         std::regex_match(text, special_float());
}

nlohmann::json yaml_to_json(const YamlNode& node, const std::string& path) {
  switch (node.kind) {
    case YamlNode::Kind::null:
      return nullptr;
    case YamlNode::Kind::scalar:
      return node.plain ? resolve_plain(node, path) : nlohmann::json(node.scalar);
    case YamlNode::Kind::sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        array.push_back(yaml_to_json(node.items[i], path + '[' + std::to_string(i) + ']'));
      }
      return array;
    }
    case YamlNode::Kind::map: {
      nlohmann::json object = nlohmann::json::object();
      for (const YamlEntry& entry : node.entries) {
        object[entry.key] = yaml_to_json(entry.value, path + '.' + entry.key);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace proxy::config
