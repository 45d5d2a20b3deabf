#pragma once

namespace proxy::app {

// The CLI's exit codes, as documented in --help and the README.
enum ExitCode : int {
  exit_ok = 0,             // clean shutdown, or a successful one-shot command
  exit_runtime_error = 1,  // failed while running (e.g. cannot bind the port)
  exit_usage_error = 2,    // bad command line, config or plugin
};

}  // namespace proxy::app
