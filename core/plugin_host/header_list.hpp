#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/sdk/abi.h"

namespace proxy::host {

// RFC 9110 field-name: a non-empty token.
bool valid_header_name(std::string_view name);
// No CR, LF or NUL: anything else a peer sent is kept, but a plugin must not be able to
// inject a header or split a message.
bool valid_header_value(std::string_view value);

// ASCII case-insensitive comparison, as HTTP field names compare.
bool header_name_equals(std::string_view a, std::string_view b);

// The header fields of one message, in order, as the core owns them. Names compare
// case-insensitively; edits that would produce an invalid field are refused and change
// nothing.
//
// @par Thread Safety
// A value type: one thread at a time per object.
class HeaderList {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  HeaderList() = default;
  // For fixed lists (tests, replies the core makes): every field must be valid.
  HeaderList(std::initializer_list<Field> fields);

  const std::vector<Field>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

  // The first value of `name`.
  std::optional<std::string_view> get(std::string_view name) const;
  std::size_t count(std::string_view name) const;

  // Replaces every `name` field with one `name: value`, at the first one's position (at the
  // end when there was none). False, and no change, when the field is invalid.
  bool set(std::string_view name, std::string_view value);
  // Appends `name: value`. False, and no change, when the field is invalid.
  bool add(std::string_view name, std::string_view value);
  // Removes every `name` field; true also when there was none. False for an invalid name.
  bool remove(std::string_view name);

  void clear() { fields_.clear(); }
  void reserve(std::size_t count) { fields_.reserve(count); }

  // Moves the fields out and continues on an equal copy: views of the returned fields
  // stay valid however the list is edited afterwards.
  std::vector<Field> detach_fields();

 private:
  std::vector<Field> fields_;
};

// Fills `out` with views of `headers` for a C struct; they stay valid until the list
// changes. Reuses `out`'s capacity so a hot path does not allocate each time.
void fill_header_views(const HeaderList& headers, std::vector<proxy_header>& out);
std::vector<proxy_header> header_views(const HeaderList& headers);

}  // namespace proxy::host

// The C ABI's opaque header handle: a HeaderList the core lends to a hook, edited only
// through the host_api header callbacks.
//
// A hook may read its header views after editing (the SDK promises they show the list
// as received), but an edit can reallocate or overwrite the strings they point into. So
// the first edit after the views were built moves the fields into `pinned` and the list
// continues on a copy; the owner drops `pinned` when it rebuilds the views.
struct proxy_headers {
  explicit proxy_headers(proxy::host::HeaderList* headers = nullptr) : list(headers) {}

  proxy::host::HeaderList* list;
  std::vector<proxy::host::HeaderList::Field> pinned;
  bool views_pinned = false;
};

namespace proxy::host {

// Before an edit through `handle`: keeps the fields the current views point into alive.
void pin_header_views(proxy_headers& handle);
// After the views were rebuilt from the list: the pinned fields are no longer read.
void release_pinned_headers(proxy_headers& handle);

}  // namespace proxy::host
