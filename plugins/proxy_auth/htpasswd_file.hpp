#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "file_stamp.hpp"

namespace proxy::plugins::proxy_auth {

// Bounds on a users file, so that a wrong path (a log, /dev/zero) cannot take the
// memory. 16 MiB holds some 150,000 bcrypt lines; the longest accepted line (a
// 255-byte user name and a sha512-crypt hash with rounds=) is well under 1024 bytes.
struct LoadLimits {
  std::uint64_t max_file_bytes = std::uint64_t{16} << 20U;
  std::size_t max_line_bytes = 1024;
};
inline constexpr std::size_t max_user_bytes = 255;

// A users file that cannot be used. The message names the file and, for a bad line,
// its number ("users.htpasswd, line 3: ..."); it never quotes a hash or a password.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

// The users of one version of the file: user name -> hash, every hash of an accepted
// kind (hash_kind.hpp).
//
// @par Thread Safety
// Immutable once loaded: shared between threads as a shared_ptr<const UserTable>.
class UserTable {
 public:
  // Adds a user; false when the name is already there.
  bool add(std::string user, std::string hash);

  // The user's hash, or nullptr.
  const std::string* find(std::string_view user) const;
  // A hash from the table (empty when there are no users), checked against for an unknown
  // user so that a wrong name costs as long as a wrong password and tells nothing.
  const std::string& decoy_hash() const { return decoy_hash_; }
  std::size_t size() const { return hashes_.size(); }

 private:
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> hashes_;
  std::string decoy_hash_;
};

// Reads htpasswd text: one `user:hash` per line; blank lines and lines whose first
// non-blank character is '#' are skipped; a line may end in CRLF. Refused with a
// LoadError naming `file_name` and the line: a line longer than max_line_bytes, no ':',
// more than one ':', an empty user name or one longer than max_user_bytes or holding
// spaces or control characters, a hash that check_hash() refuses (plain text, DES, MD5,
// apr1, {SHA}, malformed), a user already defined (naming the first line).
UserTable parse_htpasswd(std::string_view text, std::string_view file_name,
                         const LoadLimits& limits = {});

struct LoadedUsers {
  UserTable users;
  FileStamp stamp;  // of the file as it was read
};

// Reads and parses the file at `path` (a regular file of at most max_file_bytes).
// Throws LoadError.
LoadedUsers load_htpasswd(const std::string& path, const LoadLimits& limits = {});

}  // namespace proxy::plugins::proxy_auth
