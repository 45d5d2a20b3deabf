#pragma once

#include <string_view>

// Reading comma-separated field values (RFC 9110 §5.6.1): Connection, Upgrade and the like.
namespace proxy::core {

// `text` without leading and trailing spaces and tabs.
inline std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Calls fn(item) for each non-empty, trimmed element of a comma-separated list.
template <class Fn>
void for_each_list_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim_ows(list.substr(0, comma));
    if (!item.empty()) {
      fn(item);
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
}

}  // namespace proxy::core
