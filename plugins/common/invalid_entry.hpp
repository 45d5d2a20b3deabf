#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace proxy::plugins::common {

// A list entry that cannot be used (a bad host name, address or network). Carries the
// entry's position so a settings error can name it, e.g. "blocked_domains[3]".
class InvalidEntry : public std::invalid_argument {
 public:
  InvalidEntry(std::size_t index, const std::string& message)
      : std::invalid_argument(message), index_(index) {}
  std::size_t index() const { return index_; }

 private:
  std::size_t index_;
};

}  // namespace proxy::plugins::common
