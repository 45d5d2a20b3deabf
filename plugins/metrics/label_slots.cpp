#include "label_slots.hpp"

namespace proxy::plugins::metrics {

std::size_t method_slot(std::string_view method) {
  for (std::size_t i = 0; i < known_methods.size(); ++i) {
    if (known_methods[i] == method) {
      return i;
    }
  }
  return method_other_slot;
}

std::string_view method_label(std::size_t slot) {
  return slot < known_methods.size() ? known_methods[slot] : std::string_view("OTHER");
}

std::size_t auth_failure_slot(std::string_view reason) {
  for (std::size_t i = 0; i < known_auth_failures.size(); ++i) {
    if (known_auth_failures[i] == reason) {
      return i;
    }
  }
  return known_auth_failures.size();
}

std::string_view auth_failure_label(std::size_t slot) {
  return slot < known_auth_failures.size() ? known_auth_failures[slot] : std::string_view("other");
}

std::size_t code_slot(int status) {
  if (status < first_code || status > last_code) {
    return code_other_slot;
  }
  return static_cast<std::size_t>(status - first_code);
}

std::string code_label(std::size_t slot) {
  return slot < code_other_slot ? std::to_string(first_code + static_cast<int>(slot)) : "other";
}

}  // namespace proxy::plugins::metrics
