// The test binary's heap, counted: a replacement of the global operator new / delete that
// keeps the number of allocations and the bytes live (malloc's usable size, so new and delete
// agree). Include it in exactly one translation unit of a test binary (each test here is one).
//
// The sanitizers own operator new (and check leaks their own way: LeakSanitizer), so under
// them nothing is replaced, `heap::counted` is false and the counters stay 0: a test reads
// them only when it is true.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "sanitizer.hpp"
#include <malloc.h>

namespace csp_test::heap {

inline constexpr bool counted = !sanitized;

// relaxed: statistics read by the test thread after joining every thread that allocated.
inline constinit std::atomic<std::uint64_t> allocations{0};
inline constinit std::atomic<std::int64_t> live_bytes{0};

namespace detail {
inline void* take(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  allocations.fetch_add(1, std::memory_order_relaxed);  // relaxed: read after joins (above)
  live_bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)),
                       std::memory_order_relaxed);  // relaxed: as above
  return p;
}
// Out of line: inlined into operator delete, g++ mistakes the free() for a mismatched one.
[[gnu::noinline]] inline void give(void* p) noexcept {
  if (p == nullptr) return;
  live_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)),
                       std::memory_order_relaxed);  // relaxed: as above
  std::free(p);
}
}  // namespace detail

}  // namespace csp_test::heap

#if !CSP_TEST_SANITIZED
void* operator new(std::size_t n) {
  return csp_test::heap::detail::take(std::malloc(n == 0 ? 1 : n));
}
void* operator new(std::size_t n, std::align_val_t al) {
  const auto a = static_cast<std::size_t>(al);
  return csp_test::heap::detail::take(
      std::aligned_alloc(a, (std::max<std::size_t>(n, 1) + a - 1) / a * a));
}
void operator delete(void* p) noexcept {
  csp_test::heap::detail::give(p);
}
void operator delete(void* p, std::size_t) noexcept {
  csp_test::heap::detail::give(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  csp_test::heap::detail::give(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  csp_test::heap::detail::give(p);
}
#endif
