#include "config/yaml_load.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "config/config_error.hpp"

namespace proxy::config {
namespace {

int line_of(const YAML::Mark& mark) {
  return mark.line >= 0 ? mark.line + 1 : 0;
}

YamlNode convert(const YAML::Node& node, const std::string& file, int fallback_line,
                 const std::string& path, int depth);

// Deeper than any config needs; an alias that refers to the node holding it (a cycle,
// which yaml-cpp builds as it is written) would otherwise recurse until the stack ends.
constexpr int max_depth = 64;

// Well-formed UTF-8 (table 3-7 of the Unicode standard): no overlong forms, surrogates or code
// points past U+10FFFF. yaml-cpp passes any bytes through, but plugin settings travel as JSON,
// which cannot carry anything else, and --print-config would not print them back as read.
bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;  // bounds of the second byte; the others are 0x80..0xbf
    unsigned char high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      low = lead == 0xe0 ? 0xa0 : 0x80;
      high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      low = lead == 0xf0 ? 0x90 : 0x80;
      high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
      return false;
    }
    if (text.size() - i < length) {
      return false;
    }
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

// Tags that only restate what a plain scalar resolves to; anything else is rejected so a
// typed value is never silently misread.
bool is_core_tag(const std::string& tag) {
  return tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
         tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null";
}

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + '.' + key;
}

YamlNode convert_map(const YAML::Node& node, YamlNode result, const std::string& path, int depth) {
  for (const auto& pair : node) {
    const int key_line = line_of(pair.first.Mark());
    if (!pair.first.IsScalar()) {
      throw ConfigError(result.file, path, key_line, "map keys must be plain strings");
    }
    const std::string key = pair.first.Scalar();
    if (!is_utf8(key)) {
      throw ConfigError(result.file, path, key_line, "map key is not valid UTF-8");
    }
    if (find_entry(result, key) != nullptr) {
      // yaml-cpp keeps both; which one wins would be a guess, so refuse.
      throw ConfigError(result.file, child_path(path, key), key_line,
                        "duplicate key '" + key + "'");
    }
    result.entries.push_back(
        {key, result.file, key_line,
         convert(pair.second, result.file, key_line, child_path(path, key), depth + 1)});
  }
  return result;
}

YamlNode convert(const YAML::Node& node, const std::string& file, int fallback_line,
                 const std::string& path, int depth) {
  YamlNode result;
  result.file = file;
  // A missing value (`key:`) has no useful mark of its own; the key's line is the one to show.
  result.line = node.IsNull() || line_of(node.Mark()) == 0 ? fallback_line : line_of(node.Mark());
  if (depth > max_depth) {
    throw ConfigError(file, path, result.line,
                      "nested more than " + std::to_string(max_depth) +
                          " levels deep (or an alias refers to itself)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      result.kind = YamlNode::Kind::null;
      return result;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag != "?" && tag != "!" && tag != "tag:yaml.org,2002:str" && !is_core_tag(tag)) {
        throw ConfigError(file, path, result.line, "unsupported YAML tag '" + tag + "'");
      }
      if (!is_utf8(node.Scalar())) {
        throw ConfigError(file, path, result.line, "value is not valid UTF-8");
      }
      result.kind = YamlNode::Kind::scalar;
      result.scalar = node.Scalar();
      result.plain = tag == "?" || is_core_tag(tag);
      return result;
    }
    case YAML::NodeType::Sequence: {
      result.kind = YamlNode::Kind::sequence;
      std::size_t index = 0;
      for (const auto& item : node) {
        result.items.push_back(
            convert(item, file, result.line, path + '[' + std::to_string(index) + ']', depth + 1));
        ++index;
      }
      return result;
    }
    case YAML::NodeType::Map:
      result.kind = YamlNode::Kind::map;
      return convert_map(node, std::move(result), path, depth);
  }
  return result;
}

}  // namespace

YamlNode load_yaml_text(const std::string& text, const std::string& file) {
  YAML::Node document;
  try {
    document = YAML::Load(text);
  } catch (const YAML::ParserException& error) {
    throw ConfigError(file, "", line_of(error.mark), "invalid YAML: " + error.msg);
  } catch (const YAML::Exception& error) {
    throw ConfigError(file, "", line_of(error.mark), "invalid YAML: " + error.msg);
  }
  if (document.IsNull()) {
    // Empty or comment-only file: contributes nothing.
    YamlNode empty;
    empty.kind = YamlNode::Kind::map;
    empty.file = file;
    return empty;
  }
  if (!document.IsMap()) {
    throw ConfigError(file, "", line_of(document.Mark()),
                      "expected a map of sections (server, limits, ...) at the top level");
  }
  try {
    return convert(document, file, 1, "", 0);
  } catch (const YAML::Exception& error) {
    throw ConfigError(file, "", line_of(error.mark), "invalid YAML: " + error.msg);
  }
}

YamlNode load_yaml_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) {
    throw ConfigError(name, "", 0, "cannot read config file: it is a directory");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int code = errno;
    char reason[256];
    // GNU strerror_r: thread-safe, unlike strerror; returns `reason` or a static string.
    throw ConfigError(
        name, "", 0,
        std::string("cannot read config file: ") + ::strerror_r(code, reason, sizeof reason));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(name, "", 0, "cannot read config file: read error");
  }
  return load_yaml_text(text.str(), name);
}

}  // namespace proxy::config
