// csp/lock_free/once.hpp — Go's sync.Once (with std::call_once's retry) on one 32-bit word.
//
// call(f, args...) runs f(args...) at most once to completion across all callers. The first
// caller to find the once incomplete claims it and runs f; callers that arrive while f runs
// park on the same word (a futex) until it finishes; callers that arrive after it finished
// return after one acquire load — the fast path, as cheap as the guard check of a
// function-local static. If f throws, the exception reaches the caller that ran it, the once
// returns to incomplete, and the parked callers wake: one of them runs f again (std::call_once's
// rule; Go's Once would count the panicking call as done). No spin before parking: a once is
// contended at most once per object lifetime, and then the wait is dominated by f itself.
//
// Lifecycle: constexpr-constructible (constinit), so a once with static storage needs no
// dynamic initialization and no magic static (csp::singleton relies on this). The object may be
// destroyed as soon as every caller other than the runner has returned, even while the runner
// is still inside its wake-up call (see "Destruction safety"). Calling call() on the same once
// from inside f deadlocks, as with std::call_once.
//
// Synchronization contract
//   For any threads X and Y: if X's call(f) runs f and f returns, everything X did up to f's
//   return happens-before every call() in Y that returns without running f, and before done()
//   returns true in Y. If f throws in X, everything X did up to the throw happens-before the
//   next attempt's start in whichever thread runs f next (std::call_once's ordering of
//   exceptional executions).
//
// Invariants (asserted by models/once_model.cpp)
//   I1. At most one call of f returns normally; after it, no call of f starts.
//   I2. A call() returns normally only once the state is done (it ran f, or saw f finish).
//   I3. At most one thread runs f at a time: only the compare-exchange incomplete -> running
//       starts an attempt.
//   I4. A thread parks only on the value `waiting`; every transition out of `waiting` (to done,
//       or back to incomplete after a throw) is an exchange that sees `waiting` and then calls
//       notify_all(), so no parked caller is forgotten.
//
// State encoding (one std::uint32_t, the futex word)
//   0 incomplete   f has not completed; the next caller claims it
//   1 running      a caller is running f; nobody is parked
//   2 waiting      a caller is running f; some caller may be parked (set before parking)
//   3 done         f completed; terminal
//   Why not a bit field: the four values are exactly the states; done must be a single value so
//   the fast path is one load and one compare.
//
// Destruction safety
//   The runner's exchange to done (or incomplete) is its last access to the object; the
//   notify_all() after it passes only the word's address to the kernel (csp/sync/futex.hpp). A
//   parked caller woken by it, or a new caller taking the fast path, may destroy the once at
//   once.
//
// Incorrect alternatives (each is a planted mutant that the models must catch)
//   * the fast-path load relaxed — the broken double-checked singleton: a caller that sees done
//     returns with no happens-before edge from f's writes — DATA RACE on the value built inside
//     once (mutant once_lf_relaxed_fast_path; also sanitizers/must_race/broken_singleton.cpp,
//     which ThreadSanitizer must report).
//   * marking done before running f (Go's once.go "incorrect implementation": a compare-exchange
//     0 -> 1 and then f()): a second caller returns while f is still running — DATA RACE on its
//     value (mutant once_lf_done_before_run).
//   * resetting to incomplete after a throw without waking the parked callers: they sleep
//     forever, and so does the retry's own waiter — DEADLOCK (mutant once_lf_throw_no_wake).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "csp/sync/backend.hpp"

namespace csp::lock_free {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct once_lf_relaxed_fast_path {};
struct once_lf_done_before_run {};
struct once_lf_throw_no_wake {};
}  // namespace mutation

template <class B = sync::std_backend>
class basic_once {
  static constexpr std::uint32_t incomplete = 0;
  static constexpr std::uint32_t running = 1;
  static constexpr std::uint32_t waiting = 2;
  static constexpr std::uint32_t complete = 3;

 public:
  using backend_type = B;

  constexpr basic_once() noexcept {}
  basic_once(const basic_once&) = delete;
  basic_once& operator=(const basic_once&) = delete;

  // Runs std::invoke(f, args...) unless a call has already completed; see the contract above.
  template <class F, class... Args>
  void call(F&& f, Args&&... args) {
    // acquire (A1): pairs with the release exchange R1 in finish(); makes everything f did
    // visible to this caller. Relaxed here is the broken double-checked singleton.
    using broken_dcl = mutation::once_lf_relaxed_fast_path;
    constexpr auto fast = sync::order<B, broken_dcl>(std::memory_order_acquire);  // A1
    if (state_.load(fast) == complete) [[likely]]
      return;
    call_slow(std::forward<F>(f), std::forward<Args>(args)...);
  }

  // Whether a call has completed. true implies f's effects are visible (A1).
  [[nodiscard]] bool done() const noexcept {
    return state_.load(std::memory_order_acquire) == complete;  // acquire (A1), as in call()
  }

 private:
  template <class>
  friend struct models::access;

  template <class F, class... Args>
  void call_slow(F&& f, Args&&... args) {
    std::uint32_t s = state_.load(std::memory_order_acquire);  // acquire (A1), as in call()
    for (;;) {
      if (s == complete) return;
      if (s == incomplete) {
        // acquire (A2): pairs with the release reset R2 of a failed attempt, so the previous
        // attempt happens-before this one; on failure, the value read is re-examined, so it
        // needs A1's acquire in case it is `complete`.
        constexpr auto claim = std::memory_order_acquire;
        if (state_.compare_exchange_strong(s, running, claim, claim)) {
          run(std::forward<F>(f), std::forward<Args>(args)...);
          return;
        }
        continue;
      }
      if (s == running) {
        // relaxed: marking `waiting` publishes nothing; its only job is to make the runner's
        // final exchange (an RMW, which always sees it) call notify_all(). On failure the word
        // is re-read with acquire below.
        constexpr auto mark = std::memory_order_relaxed;
        if (!state_.compare_exchange_strong(s, waiting, mark, mark)) {
          s = state_.load(std::memory_order_acquire);  // acquire (A1): s may be `complete`
          continue;
        }
      }
      // Park until the word leaves `waiting`; the kernel compares and sleeps atomically (I4).
      // relaxed: the wake-up itself orders nothing; the reload below is the acquire.
      state_.wait(waiting, std::memory_order_relaxed);
      s = state_.load(std::memory_order_acquire);  // acquire (A1): pairs with R1 / R2
    }
  }

  template <class F, class... Args>
  void run(F&& f, Args&&... args) {
    if constexpr (sync::planted<B, mutation::once_lf_done_before_run>) {
      finish(complete);  // the planted bug: done is published before f has run
      std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
    } else {
      try {
        std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
      } catch (...) {
        finish(incomplete);  // R2: the next caller retries
        throw;
      }
      finish(complete);  // R1
    }
  }

  // The runner's last access to the object: one exchange, then a wake by address only.
  void finish(std::uint32_t next) noexcept {
    // release (R1 to `complete`, R2 to `incomplete`): R1 pairs with the acquire loads A1 and
    // publishes f's effects; R2 pairs with the claim A2 of the next attempt.
    const std::uint32_t prev = state_.exchange(next, std::memory_order_release);
    if constexpr (sync::planted<B, mutation::once_lf_throw_no_wake>) {
      if (next == incomplete) return;  // the planted bug: the parked callers are forgotten
    }
    if (prev == waiting) state_.notify_all();
  }

  typename B::template atomic<std::uint32_t> state_{incomplete};
};

using once = basic_once<>;

}  // namespace csp::lock_free
