#include "credentials_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "base64.hpp"

namespace proxy::plugins::upstream_router {
namespace {

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

}  // namespace

ParentCredentials read_credentials_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    // Not strerror(3), which may share one buffer between threads.
    throw std::runtime_error("cannot open " + path + ": " + std::generic_category().message(errno));
  }
  std::string text;
  text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (file.bad()) {
    throw std::runtime_error("cannot read " + path);
  }
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  } else if (text.ends_with('\n')) {
    text.pop_back();
  }
  if (text.size() > max_credentials_bytes) {
    throw std::runtime_error(path + " is longer than " + std::to_string(max_credentials_bytes) +
                             " bytes");
  }
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::runtime_error(path + " does not hold one line user:password");
  }
  if (has_control(text)) {
    throw std::runtime_error(path +
                             " holds a control character or more than one line; expected one "
                             "line user:password");
  }
  ParentCredentials out;
  out.authorization = "Basic " + base64_encode(text);
  struct stat info {};
  out.readable_by_others = ::stat(path.c_str(), &info) == 0 && (info.st_mode & S_IROTH) != 0;
  // The plain text goes no further than this function.
  std::fill(text.begin(), text.end(), '\0');
  return out;
}

}  // namespace proxy::plugins::upstream_router
