#include "config/config_error.hpp"

#include <utility>

namespace proxy::config {
namespace {

// Builds "file:line: key: message", leaving out the parts that are unknown, and keeps it
// on one line so log scrapers and terminals show the whole error.
std::string format_error(const std::string& file, const std::string& key_path, int line,
                         const std::string& message) {
  std::string text;
  if (!file.empty()) {
    text += file;
    if (line > 0) {
      text += ':' + std::to_string(line);
    }
    text += ": ";
  }
  if (!key_path.empty()) {
    text += key_path + ": ";
  }
  text += message;
  for (char& c : text) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  return text;
}

}  // namespace

ConfigError::ConfigError(std::string file, std::string key_path, int line, std::string message)
    : std::runtime_error(format_error(file, key_path, line, message)),
      file_(std::move(file)),
      key_path_(std::move(key_path)),
      line_(line),
      message_(std::move(message)) {}

}  // namespace proxy::config
