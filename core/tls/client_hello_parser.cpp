#include "tls/client_hello_parser.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace proxy::tls {
namespace {

constexpr std::uint8_t content_type_handshake = 22;
constexpr std::uint8_t handshake_type_client_hello = 1;
constexpr std::size_t record_header_size = 5;
constexpr std::size_t handshake_header_size = 4;
// legacy_version, random, and session id, cipher suites and compression methods at their
// smallest: no hello can be shorter.
constexpr std::size_t min_client_hello_body = 2 + 32 + 1 + 2 + 2 + 1 + 1;
constexpr std::size_t random_size = 32;
constexpr std::size_t max_session_id = 32;
constexpr std::size_t max_host_name = 255;
constexpr std::size_t max_label = 63;

constexpr std::uint16_t ext_server_name = 0;
constexpr std::uint16_t ext_alpn = 16;
constexpr std::uint16_t ext_pre_shared_key = 41;
constexpr std::uint16_t ext_supported_versions = 43;
constexpr std::uint16_t ext_encrypted_client_hello = 0xfe0d;
constexpr std::uint8_t name_type_host_name = 0;

// RFC 8701: values a client sprinkles in to keep servers tolerant; they mean nothing.
bool is_grease(std::uint16_t value) {
  return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

// A cursor that never reads past its end: each read checks the length first, and a
// failed read leaves the cursor where it was.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool empty() const { return bytes_.empty(); }
  std::size_t size() const { return bytes_.size(); }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

  bool u8(std::uint8_t& out) {
    if (bytes_.empty()) {
      return false;
    }
    out = bytes_[0];
    bytes_ = bytes_.subspan(1);
    return true;
  }

  bool u16(std::uint16_t& out) {
    if (bytes_.size() < 2) {
      return false;
    }
    out = static_cast<std::uint16_t>(bytes_[0] << 8 | bytes_[1]);
    bytes_ = bytes_.subspan(2);
    return true;
  }

  bool skip(std::size_t count) {
    if (bytes_.size() < count) {
      return false;
    }
    bytes_ = bytes_.subspan(count);
    return true;
  }

  // Splits off a block preceded by its length in one byte (block8) or two (block16).
  bool block8(Reader& out) { return block(1, out); }
  bool block16(Reader& out) { return block(2, out); }

 private:
  bool block(std::size_t width, Reader& out) {
    if (bytes_.size() < width) {
      return false;
    }
    const std::size_t length = width == 1 ? bytes_[0] : (bytes_[0] << 8 | bytes_[1]);
    if (bytes_.size() - width < length) {
      return false;
    }
    out = Reader(bytes_.subspan(width, length));
    bytes_ = bytes_.subspan(width + length);
    return true;
  }

  std::span<const std::uint8_t> bytes_;
};

PeekResult failure(PeekStatus status, std::string_view error) {
  PeekResult result;
  result.status = status;
  result.error = error;
  return result;
}

PeekResult need_more(std::size_t bytes_needed) {
  PeekResult result;
  result.bytes_needed_hint = bytes_needed;
  return result;
}

// RFC 6066: ASCII letters, digits and hyphens in dot-separated labels, no trailing dot.
// Anything else (IP literals with ':', '_', spaces, UTF-8) is refused rather than guessed.
bool parse_host_name(std::span<const std::uint8_t> name, std::string& out) {
  if (name.empty() || name.size() > max_host_name) {
    return false;
  }
  std::string host;
  host.reserve(name.size());
  std::size_t label = 0;
  for (const std::uint8_t c : name) {
    if (c == '.') {
      if (label == 0) {
        return false;
      }
      label = 0;
      host.push_back('.');
      continue;
    }
    const bool upper = c >= 'A' && c <= 'Z';
    const bool ldh = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ldh || ++label > max_label) {
      return false;
    }
    host.push_back(static_cast<char>(upper ? c - 'A' + 'a' : c));
  }
  if (label == 0) {
    return false;
  }
  out = std::move(host);
  return true;
}

// Each extension parser returns an empty view on success, else what is wrong.
std::string_view parse_server_name(Reader data, ClientHelloInfo& hello) {
  Reader list(data.bytes());
  if (!data.block16(list) || !data.empty() || list.empty()) {
    return "server_name list does not fill its extension";
  }
  bool have_host_name = false;
  while (!list.empty()) {
    std::uint8_t type = 0;
    Reader name(list.bytes());
    if (!list.u8(type) || !list.block16(name)) {
      return "server_name entry overruns its list";
    }
    if (type != name_type_host_name) {
      continue;
    }
    if (have_host_name) {
      return "server_name carries more than one host_name";
    }
    have_host_name = true;
    if (!parse_host_name(name.bytes(), hello.sni)) {
      return "server_name is not a valid host name";
    }
  }
  return {};
}

std::string_view parse_alpn(Reader data, ClientHelloInfo& hello) {
  Reader list(data.bytes());
  if (!data.block16(list) || !data.empty() || list.empty()) {
    return "ALPN list does not fill its extension";
  }
  while (!list.empty()) {
    Reader name(list.bytes());
    if (!list.block8(name) || name.empty()) {
      return "ALPN protocol name is empty or overruns its list";
    }
    const auto bytes = name.bytes();
    hello.alpn.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  return {};
}

std::string_view parse_supported_versions(Reader data, ClientHelloInfo& hello) {
  Reader versions(data.bytes());
  if (!data.block8(versions) || !data.empty() || versions.size() < 2 || versions.size() % 2 != 0) {
    return "supported_versions list does not fill its extension";
  }
  std::uint16_t highest = 0;
  while (!versions.empty()) {
    std::uint16_t version = 0;
    versions.u16(version);
    if (!is_grease(version)) {
      highest = std::max(highest, version);
    }
  }
  if (highest != 0) {
    hello.highest_version = highest;
  }
  return {};
}

// The ClientHello body, after the 4-byte handshake header (RFC 8446, section 4.1.2).
std::string_view parse_body(std::span<const std::uint8_t> body, ClientHelloInfo& hello) {
  Reader reader(body);
  std::uint16_t legacy_version = 0;
  reader.u16(legacy_version);  // the caller guarantees min_client_hello_body bytes
  if (legacy_version >> 8 != 3) {
    return "ClientHello.legacy_version is not 3.x";
  }
  hello.legacy_version = legacy_version;
  hello.highest_version = legacy_version;
  reader.skip(random_size);

  Reader field(body);
  if (!reader.block8(field)) {
    return "session id overruns the ClientHello";
  }
  if (field.size() > max_session_id) {
    return "session id is longer than 32 bytes";
  }
  if (!reader.block16(field)) {
    return "cipher suites overrun the ClientHello";
  }
  if (field.empty() || field.size() % 2 != 0) {
    return "cipher suite list is empty or of odd length";
  }
  if (!reader.block8(field)) {
    return "compression methods overrun the ClientHello";
  }
  if (field.empty()) {
    return "compression method list is empty";
  }
  if (reader.empty()) {
    return {};  // SSL 3.0 style: no extensions block at all
  }

  Reader extensions(body);
  if (!reader.block16(extensions)) {
    return "extensions overrun the ClientHello";
  }
  if (!reader.empty()) {
    return "bytes after the extensions";
  }
  // Sorted afterwards to find duplicates in O(n log n) even for thousands of extensions.
  std::vector<std::uint16_t> seen;
  seen.reserve(extensions.size() / 4);
  bool after_pre_shared_key = false;
  while (!extensions.empty()) {
    std::uint16_t type = 0;
    Reader data(body);
    if (!extensions.u16(type) || !extensions.block16(data)) {
      return "extension overruns the extensions block";
    }
    if (after_pre_shared_key) {
      return "pre_shared_key is not the last extension";
    }
    seen.push_back(type);
    std::string_view error;
    switch (type) {
      case ext_server_name:
        error = parse_server_name(data, hello);
        break;
      case ext_alpn:
        error = parse_alpn(data, hello);
        break;
      case ext_supported_versions:
        error = parse_supported_versions(data, hello);
        break;
      case ext_encrypted_client_hello:
        hello.has_ech = true;
        break;
      case ext_pre_shared_key:
        after_pre_shared_key = true;
        break;
      default:
        break;  // unknown and GREASE extensions carry nothing we need
    }
    if (!error.empty()) {
      return error;
    }
  }
  std::sort(seen.begin(), seen.end());
  if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) {
    return "an extension appears more than once";
  }
  return {};
}

}  // namespace

PeekResult parse_client_hello(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
  // Walk the records until they hold the whole handshake message. Every decision depends
  // only on bytes before the point where it is made, and bytes past the limit are never
  // looked at, so a final answer never changes when more bytes arrive.
  bytes = bytes.first(std::min(bytes.size(), max_bytes));
  std::array<std::uint8_t, handshake_header_size> handshake_header{};
  std::size_t handshake_header_seen = 0;
  std::size_t message_size = 0;  // the handshake message with its header; 0 until known
  std::size_t promised = 0;      // handshake bytes announced by the record headers read
  std::size_t records = 0;
  std::size_t pos = 0;
  while (message_size == 0 || promised < message_size) {
    // The first record decides whether this is TLS at all; past it, a wrong record is a
    // broken hello.
    const PeekStatus wrong_record = records == 0 ? PeekStatus::not_tls : PeekStatus::malformed;
    const auto header = bytes.subspan(pos, std::min(bytes.size() - pos, record_header_size));
    if (!header.empty() && header[0] != content_type_handshake) {
      return failure(wrong_record, "not a TLS handshake record");
    }
    if ((header.size() > 1 && header[1] != 3) || (header.size() > 2 && header[2] > 4)) {
      return failure(wrong_record, "record version is not between 3.0 and 3.4");
    }
    if (header.size() < record_header_size) {
      if (bytes.size() == max_bytes) {
        return failure(PeekStatus::too_large, "ClientHello exceeds the peek limit");
      }
      return need_more(std::min(pos + record_header_size, max_bytes) - bytes.size());
    }
    const std::size_t length = header[3] << 8 | header[4];
    if (length == 0) {
      return failure(PeekStatus::malformed, "empty handshake record");
    }
    if (length > max_record_payload) {
      return failure(PeekStatus::malformed, "record is longer than 2^14 bytes");
    }
    ++records;
    const std::size_t payload = pos + record_header_size;
    const std::size_t end = payload + length;
    if (end > max_bytes) {
      return failure(PeekStatus::too_large, "ClientHello exceeds the peek limit");
    }
    const auto fragment = bytes.subspan(payload, std::min(bytes.size(), end) - payload);
    for (std::size_t i = 0; handshake_header_seen < handshake_header_size && i < fragment.size();
         ++i) {
      handshake_header[handshake_header_seen++] = fragment[i];
    }
    promised += length;
    if (message_size == 0 && handshake_header_seen == handshake_header_size) {
      if (handshake_header[0] != handshake_type_client_hello) {
        return failure(PeekStatus::malformed, "first handshake message is not a ClientHello");
      }
      const std::size_t body_size = static_cast<std::size_t>(handshake_header[1]) << 16 |
                                    static_cast<std::size_t>(handshake_header[2]) << 8 |
                                    handshake_header[3];
      if (body_size < min_client_hello_body) {
        return failure(PeekStatus::malformed, "ClientHello is too short");
      }
      message_size = handshake_header_size + body_size;
    }
    if (message_size != 0 && promised > message_size) {
      return failure(PeekStatus::malformed, "record carries bytes past the ClientHello");
    }
    // The least stream the hello can still take: the rest in full records.
    if (message_size != 0 && promised < message_size) {
      const std::size_t rest = message_size - promised;
      const std::size_t rest_records = (rest + max_record_payload - 1) / max_record_payload;
      if (end + rest + record_header_size * rest_records > max_bytes) {
        return failure(PeekStatus::too_large, "ClientHello exceeds the peek limit");
      }
    }
    if (bytes.size() < end) {
      return need_more(end - bytes.size());
    }
    pos = end;
  }

  std::span<const std::uint8_t> message;
  std::vector<std::uint8_t> joined;
  if (records == 1) {
    message = bytes.subspan(record_header_size, message_size);
  } else {
    joined.reserve(message_size);
    for (std::size_t at = 0; joined.size() < message_size;) {
      const std::size_t length = bytes[at + 3] << 8 | bytes[at + 4];
      const auto payload = bytes.subspan(at + record_header_size, length);
      joined.insert(joined.end(), payload.begin(), payload.end());
      at += record_header_size + length;
    }
    message = joined;
  }

  PeekResult result;
  result.status = PeekStatus::client_hello;
  const std::string_view error = parse_body(message.subspan(handshake_header_size), result.hello);
  if (!error.empty()) {
    return failure(PeekStatus::malformed, error);
  }
  return result;
}

std::string_view to_string(PeekStatus status) {
  switch (status) {
    case PeekStatus::need_more:
      return "need_more";
    case PeekStatus::client_hello:
      return "client_hello";
    case PeekStatus::not_tls:
      return "not_tls";
    case PeekStatus::malformed:
      return "malformed";
    case PeekStatus::too_large:
      return "too_large";
  }
  return "unknown";
}

}  // namespace proxy::tls
