// csp/lock_free/mutex.hpp — a futex mutex: Drepper's three-state lock ("Futexes Are Tricky").
//
// A mutual-exclusion lock on one 32-bit word that is also the futex its waiters sleep on.
// lock() takes a free lock with one compare-exchange; a taken one it first spins on briefly
// (B::spin_limit pauses, for critical sections shorter than a system call), then marks the word
// "locked, with waiters" and parks. unlock() releases with one exchange and makes the wake-up
// system call only if the word said someone may be parked — an uncontended lock/unlock pair is
// two atomic instructions and no system call. try_lock() is one strong compare-exchange and
// never blocks (nor fails spuriously).
//
// "lock_free" names the family (built directly on atomics and the futex, no mutex beneath it),
// not a progress guarantee: a mutex blocks by definition. Not recursive, no owner tracking, no
// fairness: a spinning or arriving thread may take the lock ahead of a woken one (barging), as
// with glibc's default mutex. Meets Lockable, so std::lock_guard, std::unique_lock and
// std::scoped_lock work.
//
// Lifecycle: constexpr-constructible (constinit). As std::mutex: it may be destroyed once it is
// unlocked and no thread will lock it, even while the last unlock() is still inside its wake-up
// call (see "Destruction safety").
//
// Synchronization contract
//   For any threads X and Y: X's unlock() happens-before (synchronizes with) the lock() or
//   successful try_lock() in Y that next acquires the lock, so everything X did while holding it
//   is visible to Y.
//
// Invariants (asserted by models/mutex_model.cpp)
//   I1. Mutual exclusion: at most one thread is between a successful lock()/try_lock() and its
//       unlock() (the models put a race-checked cell inside the critical section).
//   I2. If a thread is parked, the word is 2: a thread parks only on the value 2, and every
//       thread that returns from a park takes the lock by exchanging in 2, never 1 — it cannot
//       know whether other waiters remain.
//   I3. No lost wake-up: an unlock() that replaces 2 wakes one parked thread, which either takes
//       the lock or re-marks 2 before parking again; so while the lock is free, or held by a
//       thread that will see 2, no thread stays parked forever.
//
// State encoding (one std::uint32_t, the futex word)
//   0 unlocked
//   1 locked, no thread parked (unlock() makes no system call)
//   2 locked, some thread may be parked (unlock() wakes one)
//   Why exchange(0) in unlock() and not Drepper's fetch_sub(1) + store(0): one atomic step
//   instead of two, and the same information (the old value).
//
// Destruction safety
//   unlock()'s exchange is its last access to the object; notify_one() after it passes only the
//   word's address to the kernel (csp/sync/futex.hpp).
//
// Incorrect alternatives (each is a planted mutant that the models must catch)
//   * unlock() that forgets to wake a waiter (it releases the word but skips the notify): the
//     parked thread sleeps forever — DEADLOCK (mutant mutex_lf_unlock_no_wake).
//   * a woken thread taking the lock as 1 (compare-exchange 0 -> 1, Drepper's first, broken
//     mutex): it forgets the other parked threads, its unlock() makes no system call, and they
//     sleep forever — DEADLOCK with two waiters (mutant mutex_lf_wake_forgets_waiters).
//   * unlock() with a relaxed exchange: the next owner's critical section is unordered with
//     this one's — DATA RACE on the protected data (mutant mutex_lf_relaxed_unlock).
#pragma once

#include <cstdint>

#include "csp/sync/backend.hpp"

namespace csp::lock_free {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct mutex_lf_unlock_no_wake {};
struct mutex_lf_wake_forgets_waiters {};
struct mutex_lf_relaxed_unlock {};
}  // namespace mutation

template <class B = sync::std_backend>
class basic_mutex {
  static constexpr std::uint32_t unlocked = 0;
  static constexpr std::uint32_t locked = 1;
  static constexpr std::uint32_t contended = 2;

 public:
  using backend_type = B;

  constexpr basic_mutex() noexcept {}
  basic_mutex(const basic_mutex&) = delete;
  basic_mutex& operator=(const basic_mutex&) = delete;

  void lock() {
    if (take()) [[likely]]
      return;
    lock_slow();
  }

  // Never blocks; strong, so a free lock is never reported taken.
  [[nodiscard]] bool try_lock() { return take(); }

  void unlock() {
    // release (R1): pairs with the acquires A1/A2 of the next owner; publishes this critical
    // section. Relaxed here is mutant mutex_lf_relaxed_unlock.
    using relaxed_unlock = mutation::mutex_lf_relaxed_unlock;
    constexpr auto release = sync::order<B, relaxed_unlock>(std::memory_order_release);  // R1
    const std::uint32_t prev = state_.exchange(unlocked, release);
    if constexpr (sync::planted<B, mutation::mutex_lf_unlock_no_wake>) return;
    if (prev == contended) state_.notify_one();  // I3; address only (destruction safety)
  }

 private:
  template <class>
  friend struct models::access;

  // 0 -> 1: takes a free lock. acquire (A1): pairs with the release exchange R1 in unlock();
  // the previous owner's critical section happens-before this one. relaxed on failure: a taken
  // lock publishes nothing to a thread that does not get it.
  bool take() {
    std::uint32_t expected = unlocked;
    constexpr auto acquire = std::memory_order_acquire;  // A1
    constexpr auto failure = std::memory_order_relaxed;  // relaxed: see above
    return state_.compare_exchange_strong(expected, locked, acquire, failure);
  }

  void lock_slow() {
    std::uint32_t c = locked;
    // A short spin: the owner may leave before a park and a wake (a system call each) would.
    for (unsigned i = 0; i < B::spin_limit; ++i) {
      B::pause();
      c = state_.load(std::memory_order_relaxed);  // relaxed: a peek; take() acquires
      if (c == unlocked && take()) return;
    }
    // Mark the word contended; if it was free, this exchange took the lock — as 2, since a
    // parked thread may exist (I2). acquire (A2): pairs with R1, like A1.
    if (c != contended) c = state_.exchange(contended, std::memory_order_acquire);
    while (c != unlocked) {
      // relaxed: the wake-up orders nothing; the exchange below acquires.
      state_.wait(contended, std::memory_order_relaxed);
      if constexpr (sync::planted<B, mutation::mutex_lf_wake_forgets_waiters>) {
        if (take()) return;  // the planted bug: after a park, take the lock as 1
      }
      c = state_.exchange(contended, std::memory_order_acquire);  // acquire (A2), as above
    }
  }

  typename B::template atomic<std::uint32_t> state_{unlocked};
};

using mutex = basic_mutex<>;

}  // namespace csp::lock_free
