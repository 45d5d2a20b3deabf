#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/sdk/abi.h"

namespace proxy::host {

// A name a transaction attribute may have: 1 to PROXY_ATTRIBUTE_NAME_MAX of [a-z0-9_.-].
bool valid_attribute_name(std::string_view name);
// At most PROXY_ATTRIBUTE_VALUE_MAX bytes, no control characters: it goes into log lines.
bool valid_attribute_value(std::string_view value);

// The attributes plugins set on one transaction (proxy_decision::attributes), in the
// order they were first set, with the views hooks read them through.
//
// @par Thread Safety
// A value type: one thread at a time per object.
class AttributeList {
 public:
  // Sets `name` (replacing its value when set before). False, and no change, when the
  // name or value breaks a rule, or a new name would exceed PROXY_ATTRIBUTES_MAX.
  bool set(std::string_view name, std::string_view value);
  std::optional<std::string_view> get(std::string_view name) const;
  bool empty() const { return fields_.empty(); }
  // Views of every attribute; valid until the next set().
  const std::vector<proxy_header>& views() const { return views_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<proxy_header> views_;
};

}  // namespace proxy::host
