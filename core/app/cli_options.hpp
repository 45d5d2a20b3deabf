#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace proxy::app {

// A command line that cannot be understood; the message is one line for stderr.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Command { run, check_config, print_config, list_plugins, version, help };

struct CliOptions {
  Command command = Command::run;
  std::vector<std::filesystem::path> config_files;  // in the order given
  std::optional<std::string> log_level;
};

// Parses argv (without argv[0]). Throws UsageError.
CliOptions parse_cli(const std::vector<std::string>& args);

// The --help text.
std::string usage_text();

}  // namespace proxy::app
