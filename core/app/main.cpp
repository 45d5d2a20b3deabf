#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "app/cli_options.hpp"
#include "app/exit_codes.hpp"
#include "app/proxy_app.hpp"

int main(int argc, char** argv) {
  using namespace proxy::app;
  // A write to a closed pipe (stdout or stderr of a supervisor that went away) must be an
  // error for the writer, not the end of the process. Sockets send with MSG_NOSIGNAL.
  std::signal(SIGPIPE, SIG_IGN);
  // `systemctl reload` must never end the proxy: until serving starts (and while it
  // stops) a SIGHUP is ignored; while it serves, it reloads the configuration.
  std::signal(SIGHUP, SIG_IGN);
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
