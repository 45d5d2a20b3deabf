// Included first: the header must stand on its own.
#include "tls/client_hello_parser.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "test_hellos.hpp"

namespace proxy::tls {
namespace {

using test::Bytes;
using test::HelloParts;
using test::OpenSslHelloOptions;

constexpr std::size_t peek_limit = 64 * 1024;

PeekResult parse(const Bytes& bytes, std::size_t max_bytes = peek_limit) {
  return parse_client_hello(bytes, max_bytes);
}

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

Bytes prefix(const Bytes& bytes, std::size_t size) {
  return Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
}

const Bytes& tls13_hello() {
  static const Bytes hello = test::openssl_client_hello({});
  return hello;
}

// Every prefix must be need_more, with a hint that never asks past the complete hello,
// and the whole must give `expected`.
void expect_needs_more_until_complete(const Bytes& wire, const ClientHelloInfo& expected) {
  for (std::size_t size = 0; size < wire.size(); ++size) {
    const PeekResult result = parse(prefix(wire, size));
    ASSERT_EQ(result.status, PeekStatus::need_more) << "prefix of " << size << " bytes";
    ASSERT_GE(result.bytes_needed_hint, 1u);
    ASSERT_LE(size + result.bytes_needed_hint, wire.size()) << "prefix of " << size << " bytes";
  }
  const PeekResult result = parse(wire);
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello, expected);
}

TEST(ClientHelloParser, ParsesOpenSslTls13HelloWithSniAndAlpn) {
  const PeekResult result = parse(tls13_hello());
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.sni, "example.com");
  EXPECT_EQ(result.hello.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(result.hello.legacy_version, 0x0303);
  EXPECT_EQ(result.hello.highest_version, 0x0304);
  EXPECT_FALSE(result.hello.has_ech);
  EXPECT_TRUE(result.error.empty());
}

TEST(ClientHelloParser, Tls12OnlyHelloReportsHighestVersion0303) {
  OpenSslHelloOptions options;
  options.max_version = TLS1_2_VERSION;
  const PeekResult result = parse(test::openssl_client_hello(options));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.sni, "example.com");
  EXPECT_EQ(result.hello.legacy_version, 0x0303);
  EXPECT_EQ(result.hello.highest_version, 0x0303);
}

TEST(ClientHelloParser, HelloWithoutSniOrAlpnHasEmptyFields) {
  OpenSslHelloOptions options;
  options.host_name.clear();
  options.alpn.clear();
  const PeekResult result = parse(test::openssl_client_hello(options));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_TRUE(result.hello.sni.empty());
  EXPECT_TRUE(result.hello.alpn.empty());
  EXPECT_EQ(result.hello.highest_version, 0x0304);
}

TEST(ClientHelloParser, SniIsLowercased) {
  OpenSslHelloOptions options;
  options.host_name = "WWW.Example-Site.COM";
  const PeekResult result = parse(test::openssl_client_hello(options));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.sni, "www.example-site.com");
}

TEST(ClientHelloParser, HelloWithoutExtensionsFallsBackToLegacyVersion) {
  HelloParts parts;
  parts.legacy_version = 0x0301;
  parts.with_extensions = false;
  const PeekResult result = parse(test::single_record(parts));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.legacy_version, 0x0301);
  EXPECT_EQ(result.hello.highest_version, 0x0301);
  EXPECT_TRUE(result.hello.sni.empty());
}

TEST(ClientHelloParser, LargeOpenSslHelloSpansSeveralRecords) {
  OpenSslHelloOptions options;
  options.alpn.clear();
  for (int i = 0; i < 800; ++i) {
    options.alpn.push_back("protocol-" + std::to_string(i) + "-padding-padding");
  }
  const Bytes wire = test::openssl_client_hello(options);
  ASSERT_GT(wire.size(), max_record_payload + 5);
  // OpenSSL split it: the first record is full.
  ASSERT_EQ(wire[3] << 8 | wire[4], static_cast<int>(max_record_payload));

  const PeekResult result = parse(wire);
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.sni, "example.com");
  EXPECT_EQ(result.hello.alpn, options.alpn);
  EXPECT_EQ(result.hello.highest_version, 0x0304);

  EXPECT_EQ(parse(wire, wire.size()).status, PeekStatus::client_hello);
  EXPECT_EQ(parse(wire, wire.size() - 1).status, PeekStatus::too_large);
  // Known from the first record's header and the handshake length alone.
  EXPECT_EQ(parse(prefix(wire, 9), wire.size() - 1).status, PeekStatus::too_large);
}

TEST(ClientHelloParser, ReframedIntoSmallRecordsGivesTheSameResult) {
  const ClientHelloInfo expected = parse(tls13_hello()).hello;
  const Bytes message = test::handshake_message(test::split_hello(tls13_hello()));
  for (const std::size_t record_size : {1u, 2u, 3u, 4u, 5u, 100u, 255u}) {
    const Bytes wire = test::frame_records(message, record_size);
    const PeekResult result = parse(wire);
    ASSERT_EQ(result.status, PeekStatus::client_hello)
        << "records of " << record_size << ": " << result.error;
    EXPECT_EQ(result.hello, expected);
  }
}

TEST(ClientHelloParser, ByteByByteNeedsMoreUntilComplete) {
  const ClientHelloInfo expected = parse(tls13_hello()).hello;
  expect_needs_more_until_complete(tls13_hello(), expected);
}

TEST(ClientHelloParser, EveryTruncationOfAMultiRecordHelloNeedsMore) {
  const ClientHelloInfo expected = parse(tls13_hello()).hello;
  const Bytes message = test::handshake_message(test::split_hello(tls13_hello()));
  expect_needs_more_until_complete(test::frame_records(message, 100), expected);
  expect_needs_more_until_complete(test::frame_records(message, 3), expected);
}

TEST(ClientHelloParser, BytesAfterTheHelloAreIgnored) {
  Bytes wire = tls13_hello();
  for (const std::uint8_t byte : {0x17, 0x03, 0x03, 0x00, 0x02, 0xab, 0xcd}) {
    wire.push_back(byte);
  }
  EXPECT_EQ(parse(wire).status, PeekStatus::client_hello);
}

TEST(ClientHelloParser, EmptyInputNeedsMore) {
  const PeekResult result = parse({});
  EXPECT_EQ(result.status, PeekStatus::need_more);
  EXPECT_EQ(result.bytes_needed_hint, 5u);
}

TEST(ClientHelloParser, OtherProtocolsAreNotTls) {
  const std::vector<Bytes> inputs{
      text("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), text("G"),
      text("SSH-2.0-OpenSSH_9.2\r\n"), Bytes{0x00, 0x00},
      // An SSLv2-compatible ClientHello: two-byte length with the top bit set.
      Bytes{0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10},
      Bytes{0x16, 0x00},                                // handshake type byte, but no 3.x version
      Bytes{0x16, 0x03, 0x05},                          // a version past TLS 1.3
      Bytes{0x17, 0x03, 0x03, 0x00},                    // application data first
      Bytes{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28},  // an alert first
  };
  for (const auto& input : inputs) {
    const PeekResult result = parse(input);
    EXPECT_EQ(result.status, PeekStatus::not_tls) << to_string(result.status);
    EXPECT_FALSE(result.error.empty());
  }
}

TEST(ClientHelloParser, RecordLongerThan2To14IsMalformed) {
  HelloParts parts = test::split_hello(tls13_hello());
  parts.extensions.push_back({0x5555, Bytes(max_record_payload, 0)});
  const Bytes wire = test::single_record(parts);
  EXPECT_EQ(parse(prefix(wire, 5)).status, PeekStatus::malformed);
  EXPECT_EQ(parse(wire).status, PeekStatus::malformed);
  // 2^14 exactly is allowed.
  const Bytes message = test::handshake_message(parts);
  EXPECT_EQ(parse(test::frame_records(message, max_record_payload)).status,
            PeekStatus::client_hello);
}

TEST(ClientHelloParser, EmptyRecordIsMalformed) {
  Bytes wire{0x16, 0x03, 0x01, 0x00, 0x00};
  EXPECT_EQ(parse(wire).status, PeekStatus::malformed);
}

TEST(ClientHelloParser, NonHandshakeRecordInsideTheHelloIsMalformed) {
  const Bytes message = test::handshake_message(test::split_hello(tls13_hello()));
  const Bytes wire = test::frame_records(message, 100);
  for (const std::uint8_t type : {20, 21, 23, 0}) {
    Bytes mutated = wire;
    mutated[105] = type;  // the second record's content type
    EXPECT_EQ(parse(mutated).status, PeekStatus::malformed) << int{type};
    EXPECT_EQ(parse(prefix(mutated, 106)).status, PeekStatus::malformed) << int{type};
  }
  Bytes bad_version = wire;
  bad_version[106] = 0x02;
  EXPECT_EQ(parse(bad_version).status, PeekStatus::malformed);
}

TEST(ClientHelloParser, HandshakeTypeOtherThanClientHelloIsMalformed) {
  for (const std::uint8_t type : {0, 2, 11, 20}) {
    Bytes wire = tls13_hello();
    wire[5] = type;
    EXPECT_EQ(parse(wire).status, PeekStatus::malformed) << int{type};
    EXPECT_EQ(parse(prefix(wire, 9)).status, PeekStatus::malformed) << int{type};
  }
}

TEST(ClientHelloParser, RecordAndHandshakeLengthsMustAgree) {
  // Record longer than the hello: it would carry another message.
  Bytes longer_record = tls13_hello();
  longer_record.push_back(0);
  longer_record[4] = static_cast<std::uint8_t>(longer_record[4] + 1);
  EXPECT_EQ(parse(longer_record).status, PeekStatus::malformed);

  // Handshake longer than the record: the rest must come in another handshake record.
  Bytes longer_message = tls13_hello();
  longer_message[8] = static_cast<std::uint8_t>(longer_message[8] + 1);
  EXPECT_EQ(parse(longer_message).status, PeekStatus::need_more);
  Bytes followed_by_data = longer_message;
  for (const std::uint8_t byte : {0x17, 0x03, 0x03, 0x00, 0x01, 0x00}) {
    followed_by_data.push_back(byte);
  }
  EXPECT_EQ(parse(followed_by_data).status, PeekStatus::malformed);

  // A ClientHello shorter than its fixed fields.
  const Bytes tiny{0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03};
  EXPECT_EQ(parse(tiny).status, PeekStatus::malformed);
}

TEST(ClientHelloParser, TooLargeForTheLimit) {
  const Bytes& wire = tls13_hello();
  EXPECT_EQ(parse(wire, wire.size()).status, PeekStatus::client_hello);
  const PeekResult result = parse(wire, wire.size() - 1);
  EXPECT_EQ(result.status, PeekStatus::too_large);
  EXPECT_FALSE(result.error.empty());
  // Decided from the headers, before the body arrives.
  EXPECT_EQ(parse(prefix(wire, 9), wire.size() - 1).status, PeekStatus::too_large);
  // A record header that cannot fit: too_large once every byte up to the limit is in.
  EXPECT_EQ(parse(prefix(wire, 2), 4).status, PeekStatus::need_more);
  EXPECT_EQ(parse(prefix(wire, 2), 4).bytes_needed_hint, 2u);
  EXPECT_EQ(parse(prefix(wire, 4), 4).status, PeekStatus::too_large);
  EXPECT_EQ(parse(wire, 4).status, PeekStatus::too_large);
  // A peer dribbling tiny records cannot make the parser hold more than the limit either.
  const Bytes message = test::handshake_message(test::split_hello(wire));
  const Bytes dribble = test::frame_records(message, 1);
  EXPECT_EQ(parse(dribble, 1000).status, PeekStatus::too_large);
  EXPECT_EQ(parse(dribble, dribble.size()).status, PeekStatus::client_hello);
}

TEST(ClientHelloParser, LengthOverrunningItsContainerIsMalformedAtEveryLevel) {
  const HelloParts parts = test::split_hello(tls13_hello());
  const Bytes wire = test::single_record(parts);
  std::vector<std::string> tested;
  for (const auto& field : test::length_fields(parts)) {
    const std::size_t overrun = field.container_end - (field.offset + field.width) + 1;
    const std::size_t max_value = field.width == 1 ? 0xff : 0xffff;
    for (const std::size_t value : {std::min(overrun, max_value), max_value}) {
      Bytes mutated = wire;
      test::put_length(mutated, field, value);
      const PeekResult result = parse(mutated);
      EXPECT_EQ(result.status, PeekStatus::malformed) << field.name << " = " << value;
    }
    tested.push_back(field.name);
  }
  for (const char* name :
       {"session_id", "cipher_suites", "compression_methods", "extensions", "extension 0",
        "server_name list", "server_name host_name", "extension 16", "ALPN list",
        "ALPN first protocol", "extension 43", "supported_versions list"}) {
    EXPECT_NE(std::find(tested.begin(), tested.end(), name), tested.end()) << name;
  }
}

TEST(ClientHelloParser, EncryptedClientHelloIsReported) {
  HelloParts parts = test::split_hello(tls13_hello());
  parts.extensions.insert(parts.extensions.begin() + 1,
                          {0xfe0d, Bytes{0x00, 0x00, 0x01, 0x00, 0x01}});
  const PeekResult result = parse(test::single_record(parts));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_TRUE(result.hello.has_ech);
  EXPECT_EQ(result.hello.sni, "example.com");
}

TEST(ClientHelloParser, GreaseIsIgnored) {
  HelloParts parts = test::split_hello(tls13_hello());
  *parts.find(43) = test::supported_versions_extension({0x7a7a, 0x0304, 0xfafa, 0x0303});
  parts.extensions.insert(parts.extensions.begin(), {0x0a0a, Bytes{}});
  parts.extensions.push_back({0x1a1a, Bytes{0x00}});
  PeekResult result = parse(test::single_record(parts));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.highest_version, 0x0304);

  // Only GREASE offered: as if there were no supported_versions.
  *parts.find(43) = test::supported_versions_extension({0x2a2a});
  result = parse(test::single_record(parts));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.highest_version, 0x0303);
}

TEST(ClientHelloParser, UnknownExtensionsAreIgnored) {
  HelloParts parts = test::split_hello(tls13_hello());
  parts.extensions.insert(parts.extensions.begin(), {0x4469, Bytes{0x00, 0x03, 0x02, 0x68, 0x32}});
  parts.extensions.insert(parts.extensions.begin(), {0xfeed, Bytes{}});
  const PeekResult result = parse(test::single_record(parts));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello, parse(tls13_hello()).hello);
}

TEST(ClientHelloParser, DuplicateExtensionIsMalformed) {
  for (const std::uint16_t type : {0, 16, 43, 10, 0x0a0a}) {
    HelloParts parts = test::split_hello(tls13_hello());
    test::Extension copy{type, {}};
    if (const auto* existing = parts.find(type)) {
      copy = *existing;
    } else {
      parts.extensions.insert(parts.extensions.begin(), copy);
    }
    parts.extensions.insert(parts.extensions.begin(), copy);
    const PeekResult result = parse(test::single_record(parts));
    EXPECT_EQ(result.status, PeekStatus::malformed) << type;
  }
}

TEST(ClientHelloParser, PreSharedKeyMustBeLast) {
  HelloParts parts = test::split_hello(tls13_hello());
  parts.extensions.push_back({41, Bytes{0x00, 0x00, 0x00, 0x00}});
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::client_hello);
  parts.extensions.push_back({0x1234, Bytes{}});
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);
}

TEST(ClientHelloParser, InvalidServerNamesAreMalformed) {
  const std::string label64(64, 'a');
  const std::string long_name = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                std::string(63, 'c') + "." + std::string(63, 'd');  // 255
  for (const std::string& name :
       {std::string(""), std::string("exa_mple.com"), std::string("a..b"), std::string(".a"),
        std::string("a."), std::string("bad host"), std::string("caf\xc3\xa9.fr"),
        std::string("::1"), std::string("a\0b", 3), label64 + ".com", long_name + "e"}) {
    HelloParts parts = test::split_hello(tls13_hello());
    *parts.find(0) = test::server_name_extension(name);
    EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed) << name;
  }
  HelloParts parts = test::split_hello(tls13_hello());
  *parts.find(0) = test::server_name_extension(long_name);
  const PeekResult longest = parse(test::single_record(parts));
  ASSERT_EQ(longest.status, PeekStatus::client_hello) << longest.error;
  EXPECT_EQ(longest.hello.sni, long_name);
}

TEST(ClientHelloParser, ServerNameListShapes) {
  HelloParts parts = test::split_hello(tls13_hello());
  // An entry of an unknown name type before the host name is skipped.
  test::Extension& sni = *parts.find(0);
  sni.data = {0x00, 0x0a, 0x07, 0x00, 0x01, 'x', 0x00, 0x00, 0x03, 'a', '.', 'b'};
  PeekResult result = parse(test::single_record(parts));
  ASSERT_EQ(result.status, PeekStatus::client_hello) << result.error;
  EXPECT_EQ(result.hello.sni, "a.b");

  // Two host names.
  sni.data = {0x00, 0x0a, 0x00, 0x00, 0x01, 'a', 0x00, 0x00, 0x03, 'b', '.', 'c'};
  sni.data[1] = static_cast<std::uint8_t>(sni.data.size() - 2);
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);

  // An empty list.
  sni.data = {0x00, 0x00};
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);
}

TEST(ClientHelloParser, InvalidAlpnIsMalformed) {
  HelloParts parts = test::split_hello(tls13_hello());
  *parts.find(16) = test::alpn_extension({"h2", ""});
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);
  *parts.find(16) = test::alpn_extension({});
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);
}

TEST(ClientHelloParser, FixedFieldsAreChecked) {
  HelloParts parts = test::split_hello(tls13_hello());
  parts.session_id.assign(33, 0x11);
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);

  parts = test::split_hello(tls13_hello());
  parts.cipher_suites.clear();
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);
  parts.cipher_suites = {0x13};
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);

  parts = test::split_hello(tls13_hello());
  parts.compression.clear();
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);

  parts = test::split_hello(tls13_hello());
  parts.legacy_version = 0x0202;
  EXPECT_EQ(parse(test::single_record(parts)).status, PeekStatus::malformed);

  // One stray byte where the extensions length should be.
  parts = test::split_hello(tls13_hello());
  parts.with_extensions = false;
  Bytes message = test::handshake_message(parts);
  message.push_back(0x00);
  message[3] = static_cast<std::uint8_t>(message[3] + 1);
  EXPECT_EQ(parse(test::frame_records(message, message.size())).status, PeekStatus::malformed);
}

TEST(ClientHelloParser, StatusNames) {
  EXPECT_EQ(to_string(PeekStatus::need_more), "need_more");
  EXPECT_EQ(to_string(PeekStatus::client_hello), "client_hello");
  EXPECT_EQ(to_string(PeekStatus::not_tls), "not_tls");
  EXPECT_EQ(to_string(PeekStatus::malformed), "malformed");
  EXPECT_EQ(to_string(PeekStatus::too_large), "too_large");
}

}  // namespace
}  // namespace proxy::tls
