#pragma once

#include <stdexcept>
#include <string>

namespace proxy::config {

// One configuration problem, located precisely enough for an operator to fix it without
// guessing: which file, which key, which line and what was expected there.
class ConfigError : public std::runtime_error {
 public:
  // line is 1-based; 0 means unknown. key_path is dotted ("server.port",
  // "plugins.enabled[2]") or empty when no key applies (missing file, YAML syntax).
  ConfigError(std::string file, std::string key_path, int line, std::string message);

  const std::string& file() const { return file_; }
  const std::string& key_path() const { return key_path_; }
  int line() const { return line_; }
  // The message without the location prefix.
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::string key_path_;
  int line_;
  std::string message_;
};

}  // namespace proxy::config
