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

namespace {

// The slot of `value` among `known`, or known.size() ("other").
template <std::size_t N>
std::size_t slot_among(const std::array<std::string_view, N>& known, std::string_view value) {
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (known[i] == value) {
      return i;
    }
  }
  return known.size();
}

template <std::size_t N>
std::string_view label_among(const std::array<std::string_view, N>& known, std::size_t slot) {
  return slot < known.size() ? known[slot] : std::string_view("other");
}

}  // namespace

std::size_t auth_failure_slot(std::string_view reason) {
  return slot_among(known_auth_failures, reason);
}

std::string_view auth_failure_label(std::size_t slot) {
  return label_among(known_auth_failures, slot);
}

std::size_t rate_limit_result_slot(std::string_view result) {
  return slot_among(known_rate_limit_results, result);
}

std::string_view rate_limit_result_label(std::size_t slot) {
  return label_among(known_rate_limit_results, slot);
}

std::size_t redis_error_slot(std::string_view reason) {
  return slot_among(known_redis_errors, reason);
}

std::string_view redis_error_label(std::size_t slot) {
  return label_among(known_redis_errors, slot);
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
