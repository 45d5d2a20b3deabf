#include "app/cli_options.hpp"

#include <array>
#include <string_view>

namespace proxy::app {
namespace {

constexpr std::array<std::string_view, 7> log_levels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};

bool is_log_level(std::string_view level) {
  for (const auto known : log_levels) {
    if (known == level) {
      return true;
    }
  }
  return false;
}

// Sets the one-shot command; two different ones on one line are a mistake.
void set_command(CliOptions& options, Command command, std::string_view flag) {
  if (options.command != Command::run && options.command != command) {
    throw UsageError("option '" + std::string(flag) + "' cannot be combined with another command");
  }
  options.command = command;
}

}  // namespace

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    // Returns the option's value, from "--flag=value" or the next argument.
    auto value = [&]() -> std::string {
      if (inline_value) {
        if (inline_value->empty()) {
          throw UsageError("option '" + flag + "' needs a non-empty value");
        }
        return *inline_value;
      }
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        throw UsageError("option '" + flag + "' needs a value");
      }
      return args[++i];
    };
    auto no_value = [&] {
      if (inline_value) {
        throw UsageError("option '" + flag + "' takes no value");
      }
    };

    if (flag == "--config" || flag == "-c") {
      options.config_files.emplace_back(value());
    } else if (flag == "--log-level") {
      std::string level = value();
      if (!is_log_level(level)) {
        throw UsageError(
            "--log-level: expected one of trace, debug, info, warn, error, "
            "critical, off; got '" +
            level + "'");
      }
      options.log_level = std::move(level);
    } else if (flag == "--check-config") {
      no_value();
      set_command(options, Command::check_config, flag);
    } else if (flag == "--print-config") {
      no_value();
      set_command(options, Command::print_config, flag);
    } else if (flag == "--list-plugins") {
      no_value();
      set_command(options, Command::list_plugins, flag);
    } else if (flag == "--version" || flag == "-V") {
      no_value();
      set_command(options, Command::version, flag);
    } else if (flag == "--help" || flag == "-h") {
      no_value();
      set_command(options, Command::help, flag);
    } else if (flag.rfind('-', 0) == 0) {
      throw UsageError("unknown option '" + flag + "' (see --help)");
    } else {
      throw UsageError("unexpected argument '" + flag + "' (see --help)");
    }
  }
  return options;
}

std::string usage_text() {
  return R"(Usage: proxy-server [OPTIONS]

A plugin-architecture HTTP/HTTPS forward proxy.

Options:
  -c, --config FILE    Config file; repeat to merge several in order. Without it,
                       config/default.yaml is used. With exactly one, override.yaml
                       in the same folder is merged after it when present.
      --log-level LVL  trace, debug, info, warn, error, critical or off
                       (overrides logging.level)
      --check-config   Validate the merged config, load every enabled plugin, exit
      --print-config   Print the merged config and exit
      --list-plugins   List the plugins found in plugins.dirs and exit
  -V, --version        Print the version and exit
  -h, --help           Print this help and exit

Exit codes: 0 clean shutdown, 1 runtime failure, 2 usage or config error.
)";
}

}  // namespace proxy::app
