#pragma once

// What a fuzz target does when an invariant fails: name it and abort, so libFuzzer keeps
// the input as a crash and the replay program fails its ctest.

#include <cstdio>
#include <cstdlib>

namespace proxy::fuzz {

inline void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace proxy::fuzz
