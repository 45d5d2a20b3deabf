// Replaces the global operator new for this test binary so a test can count the heap
// allocations of a code path on its own thread. Plugins loaded into the binary resolve
// operator new to this one too, so their allocations count as well.
#include "allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace {

thread_local std::uint64_t allocated = 0;

void* allocate(std::size_t size) {
  ++allocated;
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}

}  // namespace

namespace proxy::host::test {

std::uint64_t allocations() {
  return allocated;
}

}  // namespace proxy::host::test

void* operator new(std::size_t size) {
  return allocate(size);
}
void* operator new[](std::size_t size) {
  return allocate(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
