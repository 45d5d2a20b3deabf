#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "app/cli_options.hpp"
#include "app/exit_codes.hpp"
#include "app/proxy_app.hpp"

int main(int argc, char** argv) {
  using namespace proxy::app;
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    CliOptions options;
    try {
      options = parse_cli(args);
    } catch (const UsageError& e) {
      std::fprintf(stderr, "proxy-server: %s\n", e.what());
      return exit_usage_error;
    }
    return run_app(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "proxy-server: fatal: %s\n", e.what());
    return exit_runtime_error;
  }
}
