#pragma once

#include "app/cli_options.hpp"

namespace proxy::app {

// Does what the command line asks and returns the process exit code (exit_codes.hpp).
// Every failure is reported as one line on stderr.
int run_app(const CliOptions& options);

}  // namespace proxy::app
