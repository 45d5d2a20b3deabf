#pragma once

#include <string>
#include <string_view>

namespace proxy::plugins::proxy_auth {

// The kinds of password hash an htpasswd line may hold, told apart by their prefix.
enum class HashKind {
  bcrypt,        // $2y$, $2b$, $2a$ (htpasswd -B)
  sha512_crypt,  // $6$
  sha256_crypt,  // $5$
  yescrypt,      // $y$ (Debian's default for /etc/shadow)
  md5_crypt,     // $1$: refused
  apr1,          // $apr1$ (htpasswd -m, its default): refused
  sha1,          // {SHA} (htpasswd -s): refused
  des,           // 13 characters of crypt's alphabet (htpasswd -d): refused
  unknown,       // anything else: plain text (htpasswd -p) or a scheme we do not know
};

struct HashCheck {
  HashKind kind = HashKind::unknown;
  // Empty when the hash is accepted; otherwise why not, fit to follow "the hash ...".
  // Never quotes the hash: a refused entry may well be a password in plain text.
  std::string problem;

  bool accepted() const { return problem.empty(); }
};

// What kind `hash` is, and whether it is accepted: a kind libcrypt verifies slowly
// enough to be worth storing (bcrypt, sha512-crypt, sha256-crypt, yescrypt), in the
// shape that kind has (crypt's alphabet, the right length, a bcrypt cost from 04 to 31).
HashCheck check_hash(std::string_view hash);

// "bcrypt", "MD5 ($1$)" ...: for messages.
std::string_view describe(HashKind kind);

}  // namespace proxy::plugins::proxy_auth
