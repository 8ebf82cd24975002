// csp/sync/futex.hpp — park a thread on a 32-bit word: the standard backend's wait/notify.
//
// On Linux this is the futex system call on the word itself (private futexes, absolute
// CLOCK_MONOTONIC deadlines, which is what std::chrono::steady_clock reads). Elsewhere it falls
// back to C++20 std::atomic::wait/notify for untimed waits and to a bounded-sleep poll for timed
// ones.
//
// Why not C++20 std::atomic::wait alone: it has no timed form, and libstdc++ skips the wake
// system call unless its own waiter table says someone waits, so a futex waiter it does not
// know about could miss a wake. csp parks only through this file.
//
// Destruction safety: futex_wake() passes only the word's address to the kernel, which does not
// dereference it for a private futex. A primitive whose last access to its memory is the atomic
// operation that lets waiters leave may therefore call wake() after a woken thread has already
// destroyed the object; at worst an unrelated waiter on reused memory wakes spuriously, and
// every wait loop here re-checks its word. glibc's semaphores rely on the same property.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__linux__)
#include <cerrno>
#include <ctime>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <thread>
#endif

namespace csp::sync::futex {

using clock = std::chrono::steady_clock;

#if defined(__linux__)

// Blocks while *word == expected, until woken, or until `deadline` (steady_clock) if non-null.
// May return spuriously; callers re-check their word. Returns false only on timeout.
inline bool wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                 const clock::time_point* deadline) noexcept {
  timespec ts{};
  const timespec* pts = nullptr;
  if (deadline != nullptr) {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch()).count();
    if (ns <= 0) return false;
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    pts = &ts;
  }
  // FUTEX_WAIT_BITSET takes an absolute timeout on CLOCK_MONOTONIC (steady_clock on Linux).
  const long rc = ::syscall(SYS_futex, static_cast<const void*>(&word), FUTEX_WAIT_BITSET_PRIVATE,
                            expected, pts, nullptr, FUTEX_BITSET_MATCH_ANY);
  return !(rc == -1 && errno == ETIMEDOUT);
}

inline void wake(const std::atomic<std::uint32_t>& word, int count) noexcept {
  ::syscall(SYS_futex, static_cast<const void*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr,
            0);
}

#else  // portable fallback

inline bool wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                 const clock::time_point* deadline) noexcept {
  if (deadline == nullptr) {
    word.wait(expected, std::memory_order_relaxed);  // relaxed: the caller re-loads with its order
    return true;
  }
  // No timed std::atomic::wait: poll with a growing sleep, capped at 1 ms.
  auto pause = std::chrono::microseconds(1);
  while (word.load(std::memory_order_relaxed) == expected) {  // relaxed: caller re-loads
    if (clock::now() >= *deadline) return false;
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(1)) pause *= 2;
  }
  return true;
}

inline void wake(const std::atomic<std::uint32_t>& word, int count) noexcept {
  if (count == 1) {
    const_cast<std::atomic<std::uint32_t>&>(word).notify_one();
  } else {
    const_cast<std::atomic<std::uint32_t>&>(word).notify_all();
  }
}

#endif

}  // namespace csp::sync::futex
