#include "plugin_host/header_list.hpp"

#include <algorithm>

namespace proxy::host {
namespace {

bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

}  // namespace

bool valid_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return is_tchar(static_cast<unsigned char>(c));
  });
}

bool valid_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool header_name_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

std::optional<std::string_view> HeaderList::get(std::string_view name) const {
  for (const auto& field : fields_) {
    if (header_name_equals(field.name, name)) {
      return std::string_view(field.value);
    }
  }
  return std::nullopt;
}

std::size_t HeaderList::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(fields_.begin(), fields_.end(),
                    [&](const Field& f) { return header_name_equals(f.name, name); }));
}

bool HeaderList::set(std::string_view name, std::string_view value) {
  if (!valid_header_name(name) || !valid_header_value(value)) {
    return false;
  }
  auto first = std::find_if(fields_.begin(), fields_.end(),
                            [&](const Field& f) { return header_name_equals(f.name, name); });
  if (first == fields_.end()) {
    fields_.push_back(Field{std::string(name), std::string(value)});
    return true;
  }
  first->name.assign(name);
  first->value.assign(value);
  const auto keep = first - fields_.begin();
  fields_.erase(std::remove_if(std::next(fields_.begin(), keep + 1), fields_.end(),
                               [&](const Field& f) { return header_name_equals(f.name, name); }),
                fields_.end());
  return true;
}

bool HeaderList::add(std::string_view name, std::string_view value) {
  if (!valid_header_name(name) || !valid_header_value(value)) {
    return false;
  }
  fields_.push_back(Field{std::string(name), std::string(value)});
  return true;
}

bool HeaderList::remove(std::string_view name) {
  if (!valid_header_name(name)) {
    return false;
  }
  std::erase_if(fields_, [&](const Field& f) { return header_name_equals(f.name, name); });
  return true;
}

HeaderList::HeaderList(std::initializer_list<Field> fields) {
  fields_.reserve(fields.size());
  for (const Field& field : fields) {
    add(field.name, field.value);
  }
}

std::vector<HeaderList::Field> HeaderList::detach_fields() {
  std::vector<Field> fields = fields_;  // if copying throws, nothing has changed
  fields_.swap(fields);                 // a swap keeps the elements where they are
  return fields;
}

void pin_header_views(proxy_headers& handle) {
  if (!handle.views_pinned && handle.list != nullptr) {
    handle.pinned = handle.list->detach_fields();
    handle.views_pinned = true;
  }
}

void release_pinned_headers(proxy_headers& handle) {
  handle.pinned.clear();
  handle.views_pinned = false;
}

void fill_header_views(const HeaderList& headers, std::vector<proxy_header>& out) {
  out.clear();
  out.reserve(headers.size());
  for (const auto& field : headers.fields()) {
    out.push_back(proxy_header{{field.name.data(), field.name.size()},
                               {field.value.data(), field.value.size()}});
  }
}

std::vector<proxy_header> header_views(const HeaderList& headers) {
  std::vector<proxy_header> out;
  fill_header_views(headers, out);
  return out;
}

}  // namespace proxy::host
