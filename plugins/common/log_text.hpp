#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace proxy::plugins::common {

// `text` as a quoted JSON string, for logging values that came from a client: control
// bytes and quotes are escaped and invalid UTF-8 is replaced, so a log line never
// carries raw client bytes.
inline std::string quoted(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace proxy::plugins::common
