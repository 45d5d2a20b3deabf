#include "password_check.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cstring>
#include <string>

namespace proxy::plugins::proxy_auth {

CryptScratch::CryptScratch() : data_(std::make_unique<crypt_data>()) {}  // zeroed, as crypt_r asks

CryptScratch::~CryptScratch() {
  wipe();
}

void CryptScratch::wipe() {
  OPENSSL_cleanse(data_.get(), sizeof(crypt_data));
}

CheckResult check_password(std::string_view password, const std::string& hash,
                           CryptScratch& scratch) {
  if (password.find('\0') != std::string_view::npos) {
    return CheckResult::mismatch;
  }
  std::string phrase(password);  // crypt_r wants it NUL-terminated
  const char* out = crypt_r(phrase.c_str(), hash.c_str(), &scratch.data());
  wipe(phrase);
  CheckResult result = CheckResult::error;
  // On failure libcrypt returns NULL or a string starting with '*', which no hash does.
  if (out != nullptr && out[0] != '*') {
    const std::size_t length = std::strlen(out);
    // The hash's length is no secret (it follows from its scheme); its bytes are compared
    // without an early exit.
    result = length == hash.size() && CRYPTO_memcmp(out, hash.data(), length) == 0
                 ? CheckResult::match
                 : CheckResult::mismatch;
  }
  scratch.wipe();
  return result;
}

void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace proxy::plugins::proxy_auth
