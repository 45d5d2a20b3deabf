#include "plugin_host/attribute_list.hpp"

#include <algorithm>

namespace proxy::host {

bool valid_attribute_name(std::string_view name) {
  if (name.empty() || name.size() > PROXY_ATTRIBUTE_NAME_MAX) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

bool valid_attribute_value(std::string_view value) {
  if (value.size() > PROXY_ATTRIBUTE_VALUE_MAX) {
    return false;
  }
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

bool AttributeList::set(std::string_view name, std::string_view value) {
  if (!valid_attribute_name(name) || !valid_attribute_value(value)) {
    return false;
  }
  auto existing = std::find_if(fields_.begin(), fields_.end(),
                               [&](const auto& field) { return field.first == name; });
  if (existing != fields_.end()) {
    existing->second = value;
  } else if (fields_.size() >= PROXY_ATTRIBUTES_MAX) {
    return false;
  } else {
    fields_.reserve(PROXY_ATTRIBUTES_MAX);  // once: the strings never move again
    fields_.emplace_back(name, value);
  }
  views_.clear();
  views_.reserve(fields_.size());
  for (const auto& [field_name, field_value] : fields_) {
    views_.push_back(
        {{field_name.data(), field_name.size()}, {field_value.data(), field_value.size()}});
  }
  return true;
}

std::optional<std::string_view> AttributeList::get(std::string_view name) const {
  for (const auto& [field_name, value] : fields_) {
    if (field_name == name) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

}  // namespace proxy::host
