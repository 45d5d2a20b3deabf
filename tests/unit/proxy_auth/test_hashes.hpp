#pragma once

#include <crypt.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

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

// A fresh folder per test, removed afterwards, so tests can run in parallel (ctest -j).
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("proxy_auth_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
            "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Writes text to dir_/name and returns the path.
  std::string write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

}  // namespace proxy::plugins::proxy_auth::testing
