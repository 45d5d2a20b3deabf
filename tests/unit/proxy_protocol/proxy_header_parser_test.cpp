// Included first: the header must stand on its own.
#include "proxy_protocol/proxy_header_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace proxy::proxy_protocol {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

HeaderResult parse(const Bytes& bytes) {
  return parse_proxy_header(bytes);
}

// A version 2 header: signature, version/command, family/protocol, length, payload.
Bytes v2(std::uint8_t version_command, std::uint8_t family, const Bytes& payload) {
  Bytes out = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  out.push_back(version_command);
  out.push_back(family);
  out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// 192.0.2.1:56324 -> 198.51.100.2:443
const Bytes ipv4_addresses = {192, 0, 2, 1, 198, 51, 100, 2, 0xDC, 0x04, 0x01, 0xBB};

Bytes ipv6_addresses() {
  Bytes out(36, 0);
  out[0] = 0x20;  // 2001:db8::1
  out[1] = 0x01;
  out[2] = 0x0d;
  out[3] = 0xb8;
  out[15] = 1;
  out[16] = 0x20;  // 2001:db8::2
  out[17] = 0x01;
  out[18] = 0x0d;
  out[19] = 0xb8;
  out[31] = 2;
  out[32] = 0x0F;  // port 4000
  out[33] = 0xA0;
  out[34] = 0x1F;  // port 8080
  out[35] = 0x90;
  return out;
}

Endpoint v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port) {
  Endpoint endpoint;
  endpoint.address = {a, b, c, d};
  endpoint.port = port;
  return endpoint;
}

Endpoint v6_doc(std::uint8_t last, std::uint16_t port) {
  Endpoint endpoint;
  endpoint.is_v6 = true;
  endpoint.address = {0x20, 0x01, 0x0d, 0xb8};
  endpoint.address[15] = last;
  endpoint.port = port;
  return endpoint;
}

const Bytes request = text("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n");

// Reads `wire` (a header and what follows) as the session does: each read takes at most
// what the parser says the header still needs. Returns the final result; `consumed` is
// how many bytes were taken off the wire.
HeaderResult read_like_a_session(const Bytes& wire, std::size_t& consumed) {
  Bytes taken;
  for (;;) {
    const HeaderResult result = parse(taken);
    if (result.status != HeaderStatus::need_more) {
      consumed = taken.size();
      return result;
    }
    EXPECT_GE(result.bytes, 1U);
    const std::size_t more = std::min(result.bytes, wire.size() - taken.size());
    if (more == 0) {
      consumed = taken.size();
      return result;
    }
    taken.insert(taken.end(), wire.begin() + static_cast<std::ptrdiff_t>(taken.size()),
                 wire.begin() + static_cast<std::ptrdiff_t>(taken.size() + more));
  }
}

// A valid header: every prefix needs more without asking past the header's end, the
// whole is `done` with its own length, and the request behind it changes nothing and is
// never read.
HeaderResult expect_valid(const Bytes& header) {
  for (std::size_t size = 0; size < header.size(); ++size) {
    const HeaderResult part =
        parse(Bytes(header.begin(), header.begin() + static_cast<long>(size)));
    EXPECT_EQ(part.status, HeaderStatus::need_more) << "prefix of " << size << ": " << part.error;
    EXPECT_GE(part.bytes, 1U) << "prefix of " << size;
    EXPECT_LE(size + part.bytes, header.size()) << "prefix of " << size << " asks past the end";
  }
  const HeaderResult whole = parse(header);
  EXPECT_EQ(whole.status, HeaderStatus::done) << whole.error;
  EXPECT_EQ(whole.bytes, header.size());
  const HeaderResult followed = parse(concat(header, request));
  EXPECT_EQ(followed.status, HeaderStatus::done);
  EXPECT_EQ(followed.bytes, header.size());
  EXPECT_EQ(followed.proxied, whole.proxied);
  std::size_t consumed = 0;
  const HeaderResult read = read_like_a_session(concat(header, request), consumed);
  EXPECT_EQ(read.status, HeaderStatus::done);
  EXPECT_EQ(consumed, header.size()) << "read into the request";
  return whole;
}

void expect_invalid(const Bytes& header, std::string_view error_part) {
  const HeaderResult result = parse(header);
  EXPECT_EQ(result.status, HeaderStatus::invalid)
      << std::string(header.begin(), header.end()) << " gave " << static_cast<int>(result.status);
  EXPECT_NE(result.error.find(error_part), std::string_view::npos) << result.error;
  // Final: more bytes do not change it.
  EXPECT_EQ(parse(concat(header, request)).status, HeaderStatus::invalid);
}

TEST(ProxyHeaderParser, NothingYetAsksForTheShortestHeader) {
  const HeaderResult result = parse({});
  EXPECT_EQ(result.status, HeaderStatus::need_more);
  EXPECT_EQ(result.bytes, 15U);  // "PROXY UNKNOWN\r\n"
}

TEST(ProxyHeaderParser, Version1Tcp4) {
  const HeaderResult result = expect_valid(text("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"));
  EXPECT_EQ(result.version, 1);
  ASSERT_TRUE(result.proxied);
  EXPECT_EQ(result.proxied->source, v4(192, 0, 2, 1, 56324));
  EXPECT_EQ(result.proxied->destination, v4(198, 51, 100, 2, 443));
}

TEST(ProxyHeaderParser, Version1Tcp4Extremes) {
  const auto shortest = expect_valid(text("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"));
  ASSERT_TRUE(shortest.proxied);
  EXPECT_EQ(shortest.proxied->source, v4(0, 0, 0, 0, 0));
  const auto longest =
      expect_valid(text("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"));
  ASSERT_TRUE(longest.proxied);
  EXPECT_EQ(longest.proxied->destination, v4(255, 255, 255, 255, 65535));
}

TEST(ProxyHeaderParser, Version1Tcp6) {
  const HeaderResult result =
      expect_valid(text("PROXY TCP6 2001:db8::1 2001:DB8::2 4000 8080\r\n"));
  ASSERT_TRUE(result.proxied);
  EXPECT_EQ(result.proxied->source, v6_doc(1, 4000));
  EXPECT_EQ(result.proxied->destination, v6_doc(2, 8080));
  const auto shortest = expect_valid(text("PROXY TCP6 :: :: 0 0\r\n"));
  ASSERT_TRUE(shortest.proxied);
  EXPECT_TRUE(shortest.proxied->source.is_v6);
}

TEST(ProxyHeaderParser, Version1Tcp6WithAMappedIpv4Client) {
  // How HAProxy reports an IPv4 client it relays to an IPv6 server.
  const HeaderResult result = expect_valid(text("PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n"));
  ASSERT_TRUE(result.proxied);
  EXPECT_TRUE(result.proxied->source.is_v6);
  EXPECT_EQ(result.proxied->source.address[10], 0xFF);
  EXPECT_EQ(result.proxied->source.address[12], 192);
}

TEST(ProxyHeaderParser, Version1UnknownKeepsTheConnectionsOwnEndpoints) {
  const auto short_form = expect_valid(text("PROXY UNKNOWN\r\n"));
  EXPECT_FALSE(short_form.proxied);
  EXPECT_EQ(short_form.version, 1);
  // Whatever follows UNKNOWN before the CRLF is ignored; here the longest line allowed.
  const Bytes longest = text(
      "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n");
  ASSERT_EQ(longest.size(), v1_max_bytes);
  EXPECT_FALSE(expect_valid(longest).proxied);
  EXPECT_FALSE(expect_valid(text("PROXY UNKNOWN anything at all\r\n")).proxied);
}

TEST(ProxyHeaderParser, Version1LineLongerThan107BytesIsRefused) {
  const Bytes too_long = text(
      "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655350\r\n");
  ASSERT_EQ(too_long.size(), v1_max_bytes + 1);
  expect_invalid(too_long, "107");
  // No CRLF at all: refused once 107 bytes came, never waiting for more.
  const Bytes endless = text("PROXY UNKNOWN " + std::string(93, 'x'));
  ASSERT_EQ(endless.size(), v1_max_bytes);
  expect_invalid(endless, "107");
  const auto almost = parse(Bytes(endless.begin(), endless.end() - 1));
  EXPECT_EQ(almost.status, HeaderStatus::need_more);
  EXPECT_EQ(almost.bytes, 1U);
}

TEST(ProxyHeaderParser, Version1IsStrict) {
  for (const char* line : {
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\n",     // bare LF
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\rX",    // bare CR
           "PROXY TCP4 192.0.2.1\n198.51.100.2 56324 443\r\n",  // LF inside
       }) {
    expect_invalid(text(line), "version 1");
  }
  for (const char* line : {
           "PROXY TCP4 192.0.2.01 198.51.100.2 56324 443\r\n",    // leading zero
           "PROXY TCP4 192.0.2.256 198.51.100.2 56324 443\r\n",   // out of range
           "PROXY TCP4 192.0.2 198.51.100.2 56324 443\r\n",       // three parts
           "PROXY TCP4 192.0.2.1.5 198.51.100.2 56324 443\r\n",   // five parts
           "PROXY TCP4 192..2.1 198.51.100.2 56324 443\r\n",      // empty part
           "PROXY TCP4 2001:db8::1 198.51.100.2 56324 443\r\n",   // IPv6 in TCP4
           "PROXY TCP6 192.0.2.1 2001:db8::2 56324 443\r\n",      // IPv4 in TCP6
           "PROXY TCP6 fe80::1%eth0 2001:db8::2 56324 443\r\n",   // zone index
           "PROXY TCP6 [2001:db8::1] 2001:db8::2 56324 443\r\n",  // brackets
           "PROXY TCP6 2001:db8:::1 2001:db8::2 56324 443\r\n",   // not an address
       }) {
    expect_invalid(text(line), "address");
  }
  for (const char* line : {
           "PROXY TCP4 192.0.2.1 198.51.100.2 056324 443\r\n",  // leading zero
           "PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n",   // out of range
           "PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n",      // sign
           "PROXY TCP4 192.0.2.1 198.51.100.2 +1 443\r\n",      // sign
           "PROXY TCP4 192.0.2.1 198.51.100.2 0x10 443\r\n",    // hex
       }) {
    expect_invalid(text(line), "port");
  }
  for (const char* line : {
           "PROXY TCP4 192.0.2.1  198.51.100.2 56324 443\r\n",   // two spaces
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",        // a field missing
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 1\r\n",  // one too many
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 \r\n",   // trailing space
       }) {
    expect_invalid(text(line), "four fields");
  }
  for (const char* line : {
           "PROXY TCP5 192.0.2.1 198.51.100.2 56324 443\r\n",
           "PROXY tcp4 192.0.2.1 198.51.100.2 56324 443\r\n",
           "PROXY UNKNOWNX\r\n",
           "PROXY  TCP4 192.0.2.1 198.51.100.2 56324 443\r\n",
           "PROXY UDP4 192.0.2.1 198.51.100.2 56324 443\r\n",
       }) {
    expect_invalid(text(line), "protocol");
  }
  expect_invalid(text("proxy TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"), "not a PROXY");
  expect_invalid(text("PROXYTCP4"), "not a PROXY");
}

TEST(ProxyHeaderParser, ARefusalComesAsSoonAsTheBytesShowIt) {
  EXPECT_EQ(parse(text("G")).status, HeaderStatus::invalid);                // a plain HTTP client
  EXPECT_EQ(parse(Bytes{0x16, 0x03, 0x01}).status, HeaderStatus::invalid);  // TLS
  EXPECT_EQ(parse(text("PROXY X")).status, HeaderStatus::invalid);
  EXPECT_EQ(parse(text("PROXY TCP4 1.2.3.4\n")).status, HeaderStatus::invalid);
  EXPECT_EQ(parse(Bytes{0x0D, 0x0A, 0x0D, 0x0A, 0x01}).status, HeaderStatus::invalid);
}

TEST(ProxyHeaderParser, Version2Tcp4) {
  const HeaderResult result = expect_valid(v2(0x21, 0x11, ipv4_addresses));
  EXPECT_EQ(result.version, 2);
  ASSERT_TRUE(result.proxied);
  EXPECT_EQ(result.proxied->source, v4(192, 0, 2, 1, 56324));
  EXPECT_EQ(result.proxied->destination, v4(198, 51, 100, 2, 443));
}

TEST(ProxyHeaderParser, Version2Tcp6) {
  const HeaderResult result = expect_valid(v2(0x21, 0x21, ipv6_addresses()));
  ASSERT_TRUE(result.proxied);
  EXPECT_EQ(result.proxied->source, v6_doc(1, 4000));
  EXPECT_EQ(result.proxied->destination, v6_doc(2, 8080));
}

TEST(ProxyHeaderParser, Version2SkipsTlvs) {
  // ALPN "h2", authority "example.com", NOOP padding of 0 bytes, a custom type.
  Bytes tlvs = {0x01, 0x00, 0x02, 'h', '2', 0x02, 0x00, 0x0B};
  for (const char c : std::string_view("example.com")) {
    tlvs.push_back(static_cast<std::uint8_t>(c));
  }
  tlvs.insert(tlvs.end(), {0x04, 0x00, 0x00, 0xE0, 0x00, 0x01, 0x7F});
  const HeaderResult result = expect_valid(v2(0x21, 0x11, concat(ipv4_addresses, tlvs)));
  ASSERT_TRUE(result.proxied);
  EXPECT_EQ(result.proxied->source, v4(192, 0, 2, 1, 56324));
}

TEST(ProxyHeaderParser, Version2TlvsMustFitTheHeader) {
  expect_invalid(v2(0x21, 0x11, concat(ipv4_addresses, {0x01, 0x00, 0x05, 'h', '2'})), "TLV");
  expect_invalid(v2(0x21, 0x11, concat(ipv4_addresses, {0x04})), "TLV");
  expect_invalid(v2(0x21, 0x11, concat(ipv4_addresses, {0x04, 0x00})), "TLV");
  expect_invalid(v2(0x21, 0x21, concat(ipv6_addresses(), {0x04, 0x00, 0x01})), "TLV");
}

TEST(ProxyHeaderParser, Version2LengthIsBounded) {
  // The largest accepted: the addresses and one NOOP TLV filling the rest.
  Bytes payload = ipv4_addresses;
  const std::size_t pad = v2_max_payload - payload.size() - 3;
  payload.insert(payload.end(), {0x04, static_cast<std::uint8_t>(pad >> 8),
                                 static_cast<std::uint8_t>(pad & 0xFF)});
  payload.resize(v2_max_payload, 0);
  const Bytes largest = v2(0x21, 0x11, payload);
  ASSERT_EQ(largest.size(), v2_max_bytes);
  EXPECT_TRUE(expect_valid(largest).proxied);
  // One byte more is refused from the fixed part alone, before the rest is read.
  Bytes too_long = v2(0x21, 0x11, Bytes(v2_max_payload + 1, 0));
  too_long.resize(v2_fixed_bytes);
  expect_invalid(too_long, "longer");
}

TEST(ProxyHeaderParser, Version2LocalIsServedAsThePeer) {
  const HeaderResult local = expect_valid(v2(0x20, 0x00, {}));
  EXPECT_EQ(local.version, 2);
  EXPECT_FALSE(local.proxied);
  // LOCAL discards the block, family included, whatever it says.
  EXPECT_FALSE(expect_valid(v2(0x20, 0x11, ipv4_addresses)).proxied);
  EXPECT_FALSE(expect_valid(v2(0x20, 0xFF, {1, 2, 3})).proxied);
}

TEST(ProxyHeaderParser, Version2FamiliesWithoutAClientFallBackToThePeer) {
  EXPECT_FALSE(expect_valid(v2(0x21, 0x00, {})).proxied);                // UNSPEC
  EXPECT_FALSE(expect_valid(v2(0x21, 0x00, {1, 2, 3, 4, 5})).proxied);   // ignored
  EXPECT_FALSE(expect_valid(v2(0x21, 0x31, Bytes(216, 'a'))).proxied);   // AF_UNIX
  EXPECT_FALSE(expect_valid(v2(0x21, 0x32, Bytes(216, 'a'))).proxied);   // unix dgram
  EXPECT_FALSE(expect_valid(v2(0x21, 0x12, ipv4_addresses)).proxied);    // UDP4
  EXPECT_FALSE(expect_valid(v2(0x21, 0x22, ipv6_addresses())).proxied);  // UDP6
}

TEST(ProxyHeaderParser, Version2IsStrict) {
  expect_invalid(v2(0x11, 0x11, ipv4_addresses), "version nibble");
  expect_invalid(v2(0x31, 0x11, ipv4_addresses), "version nibble");
  expect_invalid(v2(0x22, 0x11, ipv4_addresses), "command");
  expect_invalid(v2(0x2F, 0x11, ipv4_addresses), "command");
  for (const std::uint8_t family : {0x01, 0x10, 0x13, 0x23, 0x33, 0x41, 0xFF}) {
    expect_invalid(v2(0x21, family, ipv4_addresses), "family");
  }
  expect_invalid(v2(0x21, 0x11, Bytes(11, 0)), "room for the addresses");
  expect_invalid(v2(0x21, 0x21, Bytes(12, 0)), "room for the addresses");
  expect_invalid(v2(0x21, 0x31, Bytes(36, 0)), "room for the addresses");
  Bytes wrong_signature = v2(0x21, 0x11, ipv4_addresses);
  wrong_signature[11] = 0x0B;
  expect_invalid(wrong_signature, "not a PROXY");
}

TEST(ProxyHeaderParser, Version2ReadsExactLengths) {
  const Bytes header = v2(0x21, 0x11, ipv4_addresses);
  EXPECT_EQ(parse(Bytes(header.begin(), header.begin() + 15)).bytes, 1U);
  EXPECT_EQ(parse(Bytes(header.begin(), header.begin() + 16)).bytes, 12U);
  EXPECT_EQ(parse(Bytes(header.begin(), header.begin() + 20)).bytes, 8U);
}

TEST(ProxyHeaderParser, TruncatedHeadersOnlyEverNeedMore) {
  for (const Bytes& header : {text("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"),
                              v2(0x21, 0x21, ipv6_addresses())}) {
    std::size_t consumed = 0;
    const Bytes cut(header.begin(), header.end() - 3);
    const HeaderResult result = read_like_a_session(cut, consumed);
    EXPECT_EQ(result.status, HeaderStatus::need_more);
    EXPECT_EQ(consumed, cut.size());
  }
}

}  // namespace
}  // namespace proxy::proxy_protocol
