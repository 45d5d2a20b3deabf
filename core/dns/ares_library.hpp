#pragma once

namespace proxy::core::dns {

// Initialises c-ares for the process once (ares_library_init, which is not thread-safe
// itself) and cleans it up at exit. Throws std::runtime_error when it cannot.
void ensure_ares_library();

}  // namespace proxy::core::dns
