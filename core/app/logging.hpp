#pragma once

#include <string>

namespace proxy::app {

// The process-wide log: one line per event on stderr, at `level` (trace ... off).
void setup_logging(const std::string& level);

}  // namespace proxy::app
