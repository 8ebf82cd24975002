// csp/mutex_based/once.hpp — Go's sync.Once: an atomic done flag and a mutex.
//
// The textbook double-checked locking, kept as the reference the lock-free once is measured and
// checked against, and line for line Go's sync.Once: a caller reads the done flag (acquire) and
// returns if it is set; otherwise it takes the mutex, checks again, runs f while holding the
// mutex, and sets the flag (release) before unlocking. Callers that arrive while f runs block on
// the mutex. If f throws, the mutex is released by the unwinding lock, the flag stays clear, and
// the next caller to take the mutex runs f again (std::call_once's rule; Go's Once would count a
// panicking call as done).
//
// Lifecycle: constexpr-constructible with the standard backend (std::mutex and std::atomic
// are), so it may be constinit. It may be destroyed once no call() is in progress — the
// ordinary rule, and weaker than the lock-free once's: the runner still unlocks the mutex after
// publishing done, so a caller that returned on the fast path must not destroy the once while
// the runner may still be inside call(). Calling call() from inside f deadlocks.
//
// Synchronization contract
//   For any threads X and Y: if X's call(f) runs f and f returns, everything X did up to f's
//   return happens-before every call() in Y that returns without running f (through the flag
//   on the fast path, through the mutex on the slow path), and before done() returns true in
//   Y. If f throws in X, X's unlock of the mutex happens-before the next attempt's start.
//
// Invariants (asserted by models/once_model.cpp)
//   I1. At most one call of f returns normally; after it, no call of f starts.
//   I2. A call() returns normally only once the flag is set (it ran f, or saw the flag).
//   I3. At most one thread runs f at a time: f runs only under the mutex.
//
// State encoding
//   done_   std::uint32_t, 0 or 1; written only under the mutex, read without it on the fast
//           path. The mutex guards f and nothing else.
//
// Incorrect alternatives (each is a planted mutant that the models must catch)
//   * the fast-path load relaxed — the broken double-checked singleton: DATA RACE on the value
//     built inside once (mutant once_mb_relaxed_fast_path).
//   * setting the flag before running f: a fast-path caller returns while f still runs — DATA
//     RACE on its value (mutant once_mb_done_before_run).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "csp/sync/backend.hpp"

namespace csp::mutex_based {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct once_mb_relaxed_fast_path {};
struct once_mb_done_before_run {};
}  // namespace mutation

template <class B = sync::std_backend>
class basic_once {
 public:
  using backend_type = B;

  constexpr basic_once() noexcept {}
  basic_once(const basic_once&) = delete;
  basic_once& operator=(const basic_once&) = delete;

  template <class F, class... Args>
  void call(F&& f, Args&&... args) {
    // acquire (A1): pairs with the release store R1 below; makes everything f did visible to a
    // caller that does not take the mutex. Relaxed here is the broken double-checked singleton.
    using broken_dcl = mutation::once_mb_relaxed_fast_path;
    constexpr auto fast = sync::order<B, broken_dcl>(std::memory_order_acquire);  // A1
    if (done_.load(fast) != 0) [[likely]]
      return;
    call_slow(std::forward<F>(f), std::forward<Args>(args)...);
  }

  [[nodiscard]] bool done() const noexcept {
    return done_.load(std::memory_order_acquire) != 0;  // acquire (A1), as in call()
  }

 private:
  template <class>
  friend struct models::access;

  template <class F, class... Args>
  void call_slow(F&& f, Args&&... args) {
    typename B::unique_lock lk(m_);
    // relaxed: done_ is written only under the mutex, so this lock orders the read after any
    // earlier holder's store R1 (and the mutex publishes f's effects).
    if (done_.load(std::memory_order_relaxed) != 0) return;
    if constexpr (sync::planted<B, mutation::once_mb_done_before_run>) {
      done_.store(1, std::memory_order_release);  // the planted bug: R1 before f has run
      std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
    } else {
      std::invoke(std::forward<F>(f), std::forward<Args>(args)...);  // a throw unlocks, flag clear
      // release (R1): pairs with the fast-path acquire A1; publishes f's effects.
      done_.store(1, std::memory_order_release);
    }
  }

  typename B::mutex m_;
  typename B::template atomic<std::uint32_t> done_{0};
};

using once = basic_once<>;

}  // namespace csp::mutex_based
