#include "connection/upgrade_offer.hpp"

#include <algorithm>

namespace proxy::core {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Calls fn(item) for each non-empty element of a comma-separated list.
template <class Fn>
void for_each_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) {
      fn(item);
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
}

bool valid_protocol_name(std::string_view name) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           specials.find(c) != std::string_view::npos;
  });
}

std::string_view protocol_name(std::string_view protocol) {
  return protocol.substr(0, protocol.find('/'));
}

bool valid_protocol(std::string_view protocol) {
  const auto slash = protocol.find('/');
  return valid_protocol_name(protocol.substr(0, slash)) &&
         (slash == std::string_view::npos || valid_protocol_name(protocol.substr(slash + 1)));
}

}  // namespace

std::string offered_upgrade(const host::HeaderList& fields, const ReceivedHead& received,
                            const std::vector<std::string>& allowed) {
  const bool nominated = std::any_of(
      received.connection_options.begin(), received.connection_options.end(),
      [](const std::string& option) { return host::header_name_equals(option, "upgrade"); });
  std::string offered;
  if (!nominated || allowed.empty()) {
    return offered;
  }
  for (const auto& [name, value] : fields.fields()) {
    if (!host::header_name_equals(name, "upgrade")) {
      continue;
    }
    for_each_item(value, [&](std::string_view protocol) {
      const bool listed = std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) {
        return host::header_name_equals(a, protocol_name(protocol));
      });
      if (listed && valid_protocol(protocol)) {
        offered.append(offered.empty() ? "" : ", ").append(protocol);
      }
    });
  }
  return offered;
}

bool accepts_switch(std::string_view chosen, std::string_view offered) {
  chosen = trim(chosen);
  if (chosen.empty() || chosen.find(',') != std::string_view::npos || offered.empty()) {
    return false;
  }
  bool found = false;
  for_each_item(offered, [&](std::string_view protocol) {
    found = found || host::header_name_equals(protocol_name(protocol), protocol_name(chosen));
  });
  return found;
}

}  // namespace proxy::core
