#include "basic_credentials.hpp"

#include <string>

#include <gtest/gtest.h>

namespace proxy::plugins::proxy_auth {
namespace {

// Standard base64, written out here so that the parser is not checked against itself.
std::string encode(const std::string& bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16U) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {alphabet[(v >> 18U) & 63U], alphabet[(v >> 12U) & 63U], alphabet[(v >> 6U) & 63U],
            alphabet[v & 63U]};
  }
  if (bytes.size() - i == 1) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16U;
    out += {alphabet[(v >> 18U) & 63U], alphabet[(v >> 12U) & 63U], '=', '='};
  } else if (bytes.size() - i == 2) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16U) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8U);
    out += {alphabet[(v >> 18U) & 63U], alphabet[(v >> 12U) & 63U], alphabet[(v >> 6U) & 63U], '='};
  }
  return out;
}

std::string problem_of(const std::string& value) {
  const CredentialsParse parsed = parse_basic_credentials(value);
  EXPECT_FALSE(parsed.credentials.has_value()) << value;
  return parsed.problem;
}

TEST(BasicCredentials, ReadsUserAndPassword) {
  // RFC 7617's own example: Aladdin / open sesame.
  const CredentialsParse parsed = parse_basic_credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  ASSERT_TRUE(parsed.credentials.has_value()) << parsed.problem;
  EXPECT_EQ(parsed.credentials->user, "Aladdin");
  EXPECT_EQ(parsed.credentials->password, "open sesame");
}

TEST(BasicCredentials, TheSchemeIsCaseInsensitiveAndSpacesMayRepeat) {
  for (const std::string scheme : {"basic ", "BASIC ", "bAsIc   "}) {
    const auto parsed = parse_basic_credentials(scheme + encode("u:p"));
    ASSERT_TRUE(parsed.credentials.has_value()) << scheme << parsed.problem;
    EXPECT_EQ(parsed.credentials->user, "u");
  }
}

TEST(BasicCredentials, ThePasswordMayHoldColonsAndBeEmptyButTheUserMayNot) {
  auto parsed = parse_basic_credentials("Basic " + encode("alice:a:b:c"));
  ASSERT_TRUE(parsed.credentials.has_value());
  EXPECT_EQ(parsed.credentials->user, "alice");
  EXPECT_EQ(parsed.credentials->password, "a:b:c");
  parsed = parse_basic_credentials("Basic " + encode("alice:"));
  ASSERT_TRUE(parsed.credentials.has_value());
  EXPECT_EQ(parsed.credentials->password, "");
  EXPECT_EQ(problem_of("Basic " + encode(":pw")),
            "Proxy-Authorization credentials have an empty user name");
  EXPECT_EQ(problem_of("Basic " + encode("alice")),
            "Proxy-Authorization credentials have no ':' between user and password");
}

TEST(BasicCredentials, UTF8PassesAndControlCharactersDoNot) {
  const auto parsed = parse_basic_credentials("Basic " + encode("J\xc3\xbcrgen:p\xc3\xa4ss"));
  ASSERT_TRUE(parsed.credentials.has_value());
  EXPECT_EQ(parsed.credentials->user, "J\xc3\xbcrgen");
  for (const std::string& bad :
       {std::string("alice:pw\0x", 10), std::string("al\nice:pw"), std::string("alice:p\tw"),
        std::string("alice:pw\x7f"), std::string("alice:pw\r")}) {
    EXPECT_EQ(problem_of("Basic " + encode(bad)),
              "Proxy-Authorization credentials hold a control character");
  }
}

TEST(BasicCredentials, OtherSchemesAndMissingCredentialsAreRefused) {
  const std::string not_basic = "Proxy-Authorization is not of the Basic scheme";
  EXPECT_EQ(problem_of("Bearer abc"), not_basic);
  EXPECT_EQ(problem_of("Digest username=\"a\""), not_basic);
  EXPECT_EQ(problem_of("Basic"), not_basic);
  EXPECT_EQ(problem_of("Basicx " + encode("u:p")), not_basic);
  EXPECT_EQ(problem_of("Basic\t" + encode("u:p")), not_basic);
  EXPECT_EQ(problem_of(""), not_basic);
  EXPECT_EQ(problem_of(" Basic " + encode("u:p")), not_basic);
  EXPECT_EQ(problem_of("Basic "), "Proxy-Authorization has no credentials after Basic");
  EXPECT_EQ(problem_of("Basic    "), "Proxy-Authorization has no credentials after Basic");
}

TEST(BasicCredentials, Base64IsStrict) {
  const std::string invalid = "Proxy-Authorization credentials are not valid base64";
  const std::string good = encode("user:pw");  // "dXNlcjpwdw==": padded
  ASSERT_EQ(good, "dXNlcjpwdw==");
  EXPECT_EQ(problem_of("Basic dXNlcjpwdw"), invalid);      // padding left out
  EXPECT_EQ(problem_of("Basic dXNlcjpwdw="), invalid);     // short padding
  EXPECT_EQ(problem_of("Basic dXNlcjpwdw==="), invalid);   // extra padding
  EXPECT_EQ(problem_of("Basic dXNl=cjpwdw=="), invalid);   // '=' inside
  EXPECT_EQ(problem_of("Basic dXNlcjpwdx=="), invalid);    // unused bits set
  EXPECT_EQ(problem_of("Basic dXNlcjpwdw== "), invalid);   // a trailing space
  EXPECT_EQ(problem_of("Basic dXNl cjpwdw=="), invalid);   // a space inside
  EXPECT_EQ(problem_of("Basic dXNlcjpwdw-_"), invalid);    // the URL-safe alphabet
  EXPECT_EQ(problem_of("Basic dXNlcjpwdw==\n"), invalid);  // a line break
  EXPECT_EQ(problem_of("Basic ===="), invalid);
  EXPECT_TRUE(parse_basic_credentials("Basic " + good).credentials.has_value());
}

TEST(BasicCredentials, DecodesEveryPaddingLength) {
  for (const std::string& text :
       {std::string("a"), std::string("ab"), std::string("abc"), std::string("abcd"),
        std::string("abcde"), std::string("\xff\x00\x10", 3)}) {
    const auto decoded = decode_base64(encode(text));
    ASSERT_TRUE(decoded.has_value()) << encode(text);
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(decode_base64("").has_value(), false);
  EXPECT_EQ(decode_base64("QQ=A").has_value(), false);
}

TEST(BasicCredentials, LengthIsBounded) {
  const std::string user(255, 'u');
  const std::string fits = "Basic " + encode(user + ":" + std::string(512, 'p'));
  ASSERT_LE(fits.size(), max_authorization_bytes);
  EXPECT_TRUE(parse_basic_credentials(fits).credentials.has_value());
  std::string too_long = "Basic " + encode(user + ":" + std::string(900, 'p'));
  ASSERT_GT(too_long.size(), max_authorization_bytes);
  EXPECT_EQ(problem_of(too_long), "Proxy-Authorization is longer than 1100 bytes");
}

TEST(BasicCredentials, ProblemsNeverQuoteTheHeader) {
  const std::string secret = "c2VjcmV0LXBhc3N3b3Jk";  // base64 of secret-password
  for (const std::string& value :
       {"Bearer " + secret, "Basic " + secret + "!", "Basic " + secret}) {
    const CredentialsParse parsed = parse_basic_credentials(value);
    EXPECT_EQ(parsed.problem.find(secret), std::string::npos);
    EXPECT_EQ(parsed.problem.find("secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth
