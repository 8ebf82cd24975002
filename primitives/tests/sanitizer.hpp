// Whether this build runs under ThreadSanitizer or AddressSanitizer, which make threaded tests
// 5-50x slower: tests that repeat or stream a lot scale their counts down by it.
// g++ defines __SANITIZE_THREAD__ / __SANITIZE_ADDRESS__; clang answers __has_feature.
#pragma once

namespace csp_test {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#else
inline constexpr bool sanitized = false;
#endif

}  // namespace csp_test
