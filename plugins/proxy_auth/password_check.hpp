#pragma once

#include <memory>
#include <string>
#include <string_view>

struct crypt_data;

namespace proxy::plugins::proxy_auth {

enum class CheckResult {
  match,
  mismatch,
  error,  // libcrypt could not hash with this setting (a scheme it does not support)
};

// libcrypt's working memory for crypt_r, some 32 KiB: one per verifying thread, on the
// heap, never on an io thread's (or any small) stack. Wiped after every check, since
// crypt_r leaves the password's traces in it.
//
// @par Thread Safety
// One object per thread.
class CryptScratch {
 public:
  CryptScratch();
  ~CryptScratch();
  CryptScratch(const CryptScratch&) = delete;
  CryptScratch& operator=(const CryptScratch&) = delete;

  crypt_data& data() { return *data_; }
  void wipe();

 private:
  std::unique_ptr<crypt_data> data_;
};

// Hashes `password` with the setting (scheme, cost, salt) in `hash` through crypt_r and
// compares the result with `hash` in constant time. Slow by design (bcrypt: tens of ms):
// call it on a verification thread only. A password holding a NUL byte is a mismatch
// (crypt_r would see only its part before the NUL).
CheckResult check_password(std::string_view password, const std::string& hash,
                           CryptScratch& scratch);

// Overwrites the string's bytes in a way the compiler may not drop, then clears it.
void wipe(std::string& secret);

}  // namespace proxy::plugins::proxy_auth
