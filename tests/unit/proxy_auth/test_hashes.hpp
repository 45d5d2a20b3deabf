#pragma once

#include <crypt.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"

namespace proxy::plugins::proxy_auth::testing {

// A hash of `password` made here with libcrypt itself: `prefix` ("$2b$", "$6$", ...) and
// a fresh random salt, at `cost` (0: libcrypt's default; bcrypt's lowest, 4, keeps
// tests fast).
inline std::string make_hash(const std::string& prefix, const std::string& password,
                             unsigned long cost = 0) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix.c_str(), cost, nullptr, 0, setting, sizeof(setting)) == nullptr) {
    throw std::runtime_error("crypt_gensalt_rn failed for " + prefix);
  }
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), setting, data.get());
  if (hash == nullptr || hash[0] == '*') {
    throw std::runtime_error("crypt_r failed for " + prefix);
  }
  return hash;
}

inline std::string bcrypt_hash(const std::string& password) {
  return make_hash("$2b$", password, 4);
}

using test_support::TempDirTest;

}  // namespace proxy::plugins::proxy_auth::testing
