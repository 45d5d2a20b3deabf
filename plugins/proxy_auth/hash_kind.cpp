#include "hash_kind.hpp"

#include <algorithm>
#include <cstddef>

namespace proxy::plugins::proxy_auth {
namespace {

// crypt(3)'s base64 alphabet, in which salts and digests are written.
bool is_crypt_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

bool all_crypt_chars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_crypt_char);
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// $2y$NN$ + 22 characters of salt + 31 of digest: 60 in all.
std::string bcrypt_problem(std::string_view hash) {
  constexpr std::size_t bcrypt_length = 60;
  if (hash.size() != bcrypt_length || hash[6] != '$') {
    return "is not a well-formed bcrypt hash ($2y$<cost>$ and 53 characters)";
  }
  const char tens = hash[4];
  const char ones = hash[5];
  if (tens < '0' || tens > '9' || ones < '0' || ones > '9') {
    return "is not a well-formed bcrypt hash (its cost is not two digits)";
  }
  const int cost = (tens - '0') * 10 + (ones - '0');
  if (cost < 4 || cost > 31) {
    return "is not a well-formed bcrypt hash (its cost is outside 04 to 31)";
  }
  if (!all_crypt_chars(hash.substr(7))) {
    return "is not a well-formed bcrypt hash (a character outside crypt's alphabet)";
  }
  return "";
}

// $5$[rounds=N$]salt$digest and $6$ alike: a salt of up to 16 characters, then a digest
// of `digest_length` characters.
std::string sha_crypt_problem(std::string_view hash, std::size_t digest_length,
                              std::string_view name) {
  const std::string malformed = "is not a well-formed " + std::string(name) + " hash";
  std::string_view rest = hash.substr(3);
  constexpr std::string_view rounds_prefix = "rounds=";
  if (starts_with(rest, rounds_prefix)) {
    const std::size_t end = rest.find('$');
    const std::string_view digits = rest.substr(rounds_prefix.size(), end - rounds_prefix.size());
    if (end == std::string_view::npos || digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return malformed + " (rounds= is not a number)";
    }
    rest = rest.substr(end + 1);
  }
  const std::size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) {
    return malformed + " (no digest after the salt)";
  }
  const std::string_view salt = rest.substr(0, dollar);
  const std::string_view digest = rest.substr(dollar + 1);
  constexpr std::size_t max_salt = 16;
  if (salt.empty() || salt.size() > max_salt || !all_crypt_chars(salt)) {
    return malformed + " (its salt is not 1 to 16 characters of crypt's alphabet)";
  }
  if (digest.size() != digest_length || !all_crypt_chars(digest)) {
    return malformed + " (its digest is not " + std::to_string(digest_length) +
           " characters of crypt's alphabet)";
  }
  return "";
}

// $y$params$salt$digest: three fields of crypt's alphabet, a 256-bit digest (43 chars).
std::string yescrypt_problem(std::string_view hash) {
  const std::string malformed = "is not a well-formed yescrypt hash";
  const std::string_view rest = hash.substr(3);
  const std::size_t first = rest.find('$');
  const std::size_t second = first == std::string_view::npos ? first : rest.find('$', first + 1);
  if (second == std::string_view::npos) {
    return malformed + " ($y$<params>$<salt>$<digest>)";
  }
  const std::string_view params = rest.substr(0, first);
  const std::string_view salt = rest.substr(first + 1, second - first - 1);
  const std::string_view digest = rest.substr(second + 1);
  constexpr std::size_t digest_length = 43;
  if (params.empty() || salt.empty() || !all_crypt_chars(params) || !all_crypt_chars(salt) ||
      digest.size() != digest_length || !all_crypt_chars(digest)) {
    return malformed + " ($y$<params>$<salt>$<digest>)";
  }
  return "";
}

constexpr std::string_view use_instead = "; use bcrypt (htpasswd -B)";

HashCheck refused(HashKind kind) {
  return {kind, "is " + std::string(describe(kind)) + ", which is refused as too weak" +
                    std::string(use_instead)};
}

}  // namespace

HashCheck check_hash(std::string_view hash) {
  if (starts_with(hash, "$2y$") || starts_with(hash, "$2b$") || starts_with(hash, "$2a$")) {
    return {HashKind::bcrypt, bcrypt_problem(hash)};
  }
  if (starts_with(hash, "$6$")) {
    return {HashKind::sha512_crypt, sha_crypt_problem(hash, 86, "sha512-crypt")};
  }
  if (starts_with(hash, "$5$")) {
    return {HashKind::sha256_crypt, sha_crypt_problem(hash, 43, "sha256-crypt")};
  }
  if (starts_with(hash, "$y$")) {
    return {HashKind::yescrypt, yescrypt_problem(hash)};
  }
  if (starts_with(hash, "$1$")) {
    return refused(HashKind::md5_crypt);
  }
  if (starts_with(hash, "$apr1$")) {
    return refused(HashKind::apr1);
  }
  if (starts_with(hash, "{SHA}")) {
    return refused(HashKind::sha1);
  }
  constexpr std::size_t des_length = 13;
  if (hash.size() == des_length && all_crypt_chars(hash)) {
    return refused(HashKind::des);
  }
  return {HashKind::unknown,
          "is not a hash this plugin accepts (plain text, or an unknown scheme)" +
              std::string(use_instead)};
}

std::string_view describe(HashKind kind) {
  switch (kind) {
    case HashKind::bcrypt:
      return "bcrypt";
    case HashKind::sha512_crypt:
      return "sha512-crypt ($6$)";
    case HashKind::sha256_crypt:
      return "sha256-crypt ($5$)";
    case HashKind::yescrypt:
      return "yescrypt ($y$)";
    case HashKind::md5_crypt:
      return "MD5-crypt ($1$)";
    case HashKind::apr1:
      return "Apache MD5 ($apr1$)";
    case HashKind::sha1:
      return "unsalted SHA-1 ({SHA})";
    case HashKind::des:
      return "DES crypt";
    case HashKind::unknown:
      break;
  }
  return "unknown";
}

}  // namespace proxy::plugins::proxy_auth
