// csp/sync/std_backend.hpp — the standard synchronization backend: what user builds run on.
//
// Every csp primitive is a class template whose last parameter is a backend (see backend.hpp).
// This one maps the seam onto the C++ standard library and the Linux futex; the Relacy adapter
// in models/relacy_backend.hpp maps the same names onto the model checker. Everything here is a
// thin, inlined wrapper: with this backend a primitive compiles to what it would be if it used
// std::atomic and std::mutex directly.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <type_traits>
#include <utility>

#include "csp/sync/futex.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace csp::sync {

#if (defined(__x86_64__) || defined(__i386__)) && !defined(__PRFCHW__)
// Whether this CPU has PREFETCHW (CPUID 8000_0001h, ECX bit 8: every AMD64 CPU, Intel since
// Broadwell). Older Intel CPUs may fault on it, so without a target that has it (-mprfchw,
// or a -march that implies it) the instruction is issued only where CPUID says so. Read by
// std_backend::prefetch_for_write(); false until static initialization sets it (a hint
// skipped).
inline const bool cpu_has_prefetchw = [] {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(0x80000001u, &a, &b, &c, &d) != 0 && (c & bit_PRFCHW) != 0;
}();
#endif

// A steady_clock deadline for any clock's time point, saturating instead of overflowing.
template <class Clock, class Duration>
std::chrono::steady_clock::time_point to_steady(
    const std::chrono::time_point<Clock, Duration>& deadline) noexcept {
  using steady = std::chrono::steady_clock;
  if constexpr (std::is_same_v<Clock, steady>) {
    if (deadline >= std::chrono::time_point_cast<Duration>(steady::time_point::max())) {
      return steady::time_point::max();
    }
    return std::chrono::ceil<steady::duration>(deadline);
  } else {
    const auto now = Clock::now();
    if (deadline <= now) return steady::now();
    const auto rel = std::chrono::duration<double>(deadline - now);
    const auto max_rel = std::chrono::duration<double>(std::chrono::hours(24 * 365 * 100));
    if (rel >= max_rel) return steady::time_point::max();
    return steady::now() + std::chrono::ceil<steady::duration>(rel);
  }
}

// std::atomic plus the seam's parking operations. Only atomic<std::uint32_t> parks (a futex is
// 32 bits); the members below hide std::atomic's own wait/notify so the two are never mixed.
template <class T>
class std_atomic : public std::atomic<T> {
 public:
  using std::atomic<T>::atomic;
  using std::atomic<T>::operator=;

  // Returns once load(mo) != old. Never returns spuriously.
  void wait(T old, std::memory_order mo = std::memory_order_seq_cst) const noexcept {
    static_assert(std::is_same_v<T, std::uint32_t>, "csp parks only on atomic<std::uint32_t>");
    while (this->load(mo) == old) futex::wait(*this, old, nullptr);
  }

  // Returns true once load(mo) != old; false if `deadline` passes first.
  template <class Clock, class Duration>
  bool wait_until(T old, const std::chrono::time_point<Clock, Duration>& deadline,
                  std::memory_order mo = std::memory_order_seq_cst) const noexcept {
    static_assert(std::is_same_v<T, std::uint32_t>, "csp parks only on atomic<std::uint32_t>");
    const auto d = to_steady(deadline);
    while (this->load(mo) == old) {
      if (!futex::wait(*this, old, &d)) return this->load(mo) != old;
    }
    return true;
  }

  // Destruction-safe: only the address reaches the kernel (see futex.hpp).
  void notify_one() noexcept { futex::wake(*this, 1); }
  void notify_all() noexcept { futex::wake(*this, INT32_MAX); }
};

// Plain shared data. Every access goes through with() (read) or with_mut() (write) so that a
// checking backend can see it; here both are a direct call.
template <class T>
class std_cell {
 public:
  template <class... Args>
  explicit std_cell(Args&&... args) : value_(std::forward<Args>(args)...) {}

  template <class F>
  decltype(auto) with(F&& f) const {
    return std::invoke(std::forward<F>(f), std::as_const(value_));
  }
  template <class F>
  decltype(auto) with_mut(F&& f) {
    return std::invoke(std::forward<F>(f), value_);
  }

 private:
  T value_;
};

struct std_backend {
  template <class T>
  using atomic = std_atomic<T>;
  template <class T>
  using cell = std_cell<T>;
  using mutex = std::mutex;
  using unique_lock = std::unique_lock<std::mutex>;
  using condition_variable = std::condition_variable;
  using clock = std::chrono::steady_clock;

  // No planted bug (see mutation.hpp).
  using mutant = void;

  // Busy-waiting before a blocked operation parks: the pause iterations of a wait group's or
  // mutex's spin, and the largest burst of a channel's backoff (detail/backoff.hpp). A futex
  // round trip costs 5-40 us on a virtual machine whose idle CPUs halt; a cache-line round
  // trip ~60 ns.
  static constexpr unsigned spin_limit = 256;

  // Cells of an unbuffered lock-free channel: how many blocked operations can wait on one
  // channel before the next must wait for a cell (lock_free/rendezvous.hpp).
  static constexpr unsigned rendezvous_cells = 32;

  static void fence(std::memory_order mo) noexcept { std::atomic_thread_fence(mo); }

  // One iteration of a busy-wait loop.
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
  }

  static void yield() noexcept {
    std::this_thread::yield();
  }

  // A hint that this thread will soon write the cache line holding `p`: fetch it now, for
  // writing (PREFETCHW: exclusive, so the write later need not wait for other cores' copies
  // to be invalidated). No effect on what the program does. A read prefetch (what
  // __builtin_prefetch(p, 1) compiles to for the default x86-64 target) does not do: the
  // write still waits for the upgrade (lock_free/ring.hpp, "Prefetch").
  static void prefetch_for_write(const void* p) noexcept {
#if defined(__PRFCHW__) || !(defined(__x86_64__) || defined(__i386__))
    __builtin_prefetch(p, 1, 3);
#else
    if (cpu_has_prefetchw) asm volatile("prefetchw %0" ::"m"(*static_cast<const char*>(p)));
#endif
  }

  // A uniformly distributed value in [0, bound): select's fair choice among ready cases.
  static std::uint32_t random(std::uint32_t bound) noexcept {
    thread_local std::uint64_t state = seed();
    // xorshift64*: fast, and good enough for fairness (not for cryptography).
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    const std::uint64_t r = (state * 0x2545F4914F6CDD1DULL) >> 32;
    return static_cast<std::uint32_t>((r * bound) >> 32);  // Lemire's multiply-shift reduction
  }

 private:
  static std::uint64_t seed() noexcept {
    std::uint64_t s = 0x9E3779B97F4A7C15ULL;
    s ^= static_cast<std::uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    s ^= static_cast<std::uint64_t>(clock::now().time_since_epoch().count()) << 1;
    return s == 0 ? 1 : s;
  }
};

}  // namespace csp::sync
