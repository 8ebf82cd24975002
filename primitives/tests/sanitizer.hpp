// Whether this build runs under ThreadSanitizer or AddressSanitizer, which make threaded tests
// 5-50x slower: tests that repeat or stream a lot scale their counts down by it.
// g++ defines __SANITIZE_THREAD__ / __SANITIZE_ADDRESS__; clang answers __has_feature.
#pragma once

// CSP_TEST_SANITIZED: the same answer for the preprocessor (a test that replaces operator new
// does so only without a sanitizer, which owns the allocator).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define CSP_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define CSP_TEST_SANITIZED 1
#else
#define CSP_TEST_SANITIZED 0
#endif
#else
#define CSP_TEST_SANITIZED 0
#endif

namespace csp_test {

inline constexpr bool sanitized = CSP_TEST_SANITIZED != 0;

}  // namespace csp_test
