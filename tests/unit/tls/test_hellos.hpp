#pragma once

// ClientHellos for the parser tests: real ones from OpenSSL's client, and a builder that
// takes one apart and puts it back together with parts changed, recomputing every length.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace proxy::tls::test {

using Bytes = std::vector<std::uint8_t>;

struct OpenSslHelloOptions {
  std::string host_name = "example.com";  // empty: no server_name extension
  std::vector<std::string> alpn{"h2", "http/1.1"};
  int max_version = 0;  // e.g. TLS1_2_VERSION; 0 = OpenSSL's default (TLS 1.3)
};

// The bytes an OpenSSL client writes first: its ClientHello, in TLS records.
Bytes openssl_client_hello(const OpenSslHelloOptions& options);

struct Extension {
  std::uint16_t type = 0;
  Bytes data;
};

struct HelloParts {
  std::uint16_t legacy_version = 0x0303;
  Bytes random = Bytes(32, 0x42);
  Bytes session_id;
  Bytes cipher_suites{0x13, 0x01};
  Bytes compression{0x00};
  bool with_extensions = true;  // false: no extensions block at all
  std::vector<Extension> extensions;

  Extension* find(std::uint16_t type);
};

// Splits a well-formed ClientHello (one or more records) into its parts.
HelloParts split_hello(const Bytes& wire);

// The handshake message: type 1, 24-bit length, body.
Bytes handshake_message(const HelloParts& parts);

// Frames a handshake message into records carrying at most record_size bytes each.
Bytes frame_records(const Bytes& message, std::size_t record_size,
                    std::uint16_t record_version = 0x0301);

// One record, as large as the hello needs (it may exceed 2^14 for hostile tests).
Bytes single_record(const HelloParts& parts);

Extension server_name_extension(std::string_view host_name);
Extension alpn_extension(const std::vector<std::string>& protocols);
Extension supported_versions_extension(const std::vector<std::uint16_t>& versions);

// A length field of single_record(parts): where it is, how wide, and where the block that
// contains it ends, all as offsets into the wire bytes.
struct LengthField {
  std::string name;
  std::size_t offset = 0;
  std::size_t width = 0;
  std::size_t container_end = 0;
};
std::vector<LengthField> length_fields(const HelloParts& parts);

void put_length(Bytes& wire, const LengthField& field, std::size_t value);

}  // namespace proxy::tls::test
