#include "dns/ares_library.hpp"

#include <ares.h>

#include <stdexcept>
#include <string>

namespace proxy::core::dns {
namespace {

struct AresLibrary {
  AresLibrary() : status(ares_library_init(ARES_LIB_INIT_ALL)) {}
  ~AresLibrary() {
    if (status == ARES_SUCCESS) {
      ares_library_cleanup();
    }
  }
  AresLibrary(const AresLibrary&) = delete;
  AresLibrary& operator=(const AresLibrary&) = delete;

  const int status;
};

}  // namespace

void ensure_ares_library() {
  static const AresLibrary library;  // initialised once, by whichever thread comes first
  if (library.status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("cannot initialise c-ares: ") +
                             ares_strerror(library.status));
  }
}

}  // namespace proxy::core::dns
