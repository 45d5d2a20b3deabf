#include "htpasswd_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <unordered_map>

#include "hash_kind.hpp"
#include "log_text.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

// Why `user` cannot be a user name, or "".
std::string user_problem(std::string_view user) {
  if (user.empty()) {
    return "the user name is empty";
  }
  if (user.size() > max_user_bytes) {
    return "the user name is longer than " + std::to_string(max_user_bytes) + " bytes";
  }
  if (std::any_of(user.begin(), user.end(), [](char c) { return is_control(c) || c == ' '; })) {
    return "the user name holds a space or a control character";
  }
  return "";
}

// strerror(3) may share one buffer between threads; the standard library's message
// does not.
std::string error_text(int error) {
  return std::generic_category().message(error);
}

class Parser {
 public:
  Parser(std::string_view file_name, const LoadLimits& limits)
      : file_name_(file_name), limits_(limits) {}

  UserTable parse(std::string_view text) {
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      ++number;
      const std::size_t newline = text.find('\n', start);
      const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
      line(text.substr(start, end - start), number);
      start = end + 1;
    }
    return std::move(users_);
  }

 private:
  [[noreturn]] void fail(std::size_t number, const std::string& message) const {
    throw LoadError(std::string(file_name_) + ", line " + std::to_string(number) + ": " + message);
  }

  void line(std::string_view text, std::size_t number) {
    if (text.size() > limits_.max_line_bytes) {
      fail(number, "the line is longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
    }
    if (!text.empty() && text.back() == '\r') {
      text.remove_suffix(1);
    }
    const auto first = std::find_if_not(text.begin(), text.end(), is_blank);
    if (first == text.end() || *first == '#') {
      return;
    }
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
      fail(number, "expected user:hash, found no ':'");
    }
    const std::string_view user = text.substr(0, colon);
    const std::string_view hash = text.substr(colon + 1);
    if (const std::string why = user_problem(user); !why.empty()) {
      fail(number, why);
    }
    const std::string named = "user " + common::quoted(user) + ": ";
    if (hash.find(':') != std::string_view::npos) {
      fail(number, named + "expected user:hash, found more than one ':'");
    }
    if (const HashCheck check = check_hash(hash); !check.accepted()) {
      fail(number, named + "the hash " + check.problem);
    }
    if (const auto it = first_line_.find(user); it != first_line_.end()) {
      fail(number, named + "already defined on line " + std::to_string(it->second));
    }
    first_line_.emplace(std::string(user), number);
    users_.add(std::string(user), std::string(hash));
  }

  std::string_view file_name_;
  const LoadLimits& limits_;
  UserTable users_;
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> first_line_;
};

// Closes the descriptor on every way out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool UserTable::add(std::string user, std::string hash) {
  if (hashes_.empty()) {
    decoy_hash_ = hash;
  }
  return hashes_.emplace(std::move(user), std::move(hash)).second;
}

const std::string* UserTable::find(std::string_view user) const {
  const auto it = hashes_.find(user);
  return it == hashes_.end() ? nullptr : &it->second;
}

UserTable parse_htpasswd(std::string_view text, std::string_view file_name,
                         const LoadLimits& limits) {
  return Parser(file_name, limits).parse(text);
}

LoadedUsers load_htpasswd(const std::string& path, const LoadLimits& limits) {
  const auto fail = [&path](const std::string& what) -> LoadError {
    return LoadError("users file '" + path + "': " + what);
  };
  const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (file.get() < 0) {
    throw fail("cannot open: " + error_text(errno));
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) {
    throw fail("cannot stat: " + error_text(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    throw fail("not a regular file");
  }
  const std::string too_big = "larger than " + std::to_string(limits.max_file_bytes) + " bytes";
  if (static_cast<std::uint64_t>(info.st_size) > limits.max_file_bytes) {
    throw fail(too_big);
  }
  // Read to the end rather than trusting st_size: the file may grow while it is read.
  std::string text;
  text.resize(static_cast<std::size_t>(info.st_size) + 1);
  std::size_t have = 0;
  while (true) {
    if (have == text.size()) {
      if (text.size() > limits.max_file_bytes) {
        throw fail(too_big);
      }
      text.resize(std::min<std::uint64_t>(text.size() * 2, limits.max_file_bytes + 1));
    }
    const ssize_t n = ::read(file.get(), text.data() + have, text.size() - have);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw fail("cannot read: " + error_text(errno));
    }
    if (n == 0) {
      break;
    }
    have += static_cast<std::size_t>(n);
  }
  text.resize(have);
  if (have > limits.max_file_bytes) {
    throw fail(too_big);
  }
  return {parse_htpasswd(text, path, limits), FileStamp::of(info)};
}

}  // namespace proxy::plugins::proxy_auth
