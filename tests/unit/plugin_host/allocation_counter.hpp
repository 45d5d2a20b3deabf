#pragma once

#include <cstdint>

namespace proxy::host::test {

// Heap allocations made by the calling thread so far (operator new, all forms), counted
// by the replacement operator new in allocation_counter.cpp.
std::uint64_t allocations();

}  // namespace proxy::host::test
