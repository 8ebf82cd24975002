// csp/detail/parker.hpp — one blocked operation's wake-up word: spin, then sleep, until a
// partner delivers an outcome.
//
// Lives on the blocked thread's stack for the duration of one operation (a rendezvous send or
// receive, a select). The partner that completes the operation — having first claimed it
// exclusively through the structure it was found in (a rendezvous cell, a select's state) —
// calls unpark(outcome) exactly once. The owner returns only after unpark() has finished
// touching the parker, so the parker can die with the owner's stack frame.
//
// Synchronization contract: everything the waker did before unpark(o) happens-before
// park() returns o in the owner.
//
// State encoding (one std::uint32_t, the futex word)
//   bits 0..27  outcome: 0 while waiting; set once, by unpark()
//   bit  30     PARKED: the owner may be asleep in the futex (set only by the owner, only while
//               the outcome is 0)
//   bit  31     NOTIFYING: the waker saw PARKED, published the outcome and has not yet finished
//               its futex wake; the owner must not return (and destroy the word) until it clears
//
// Incorrect alternative: publishing the outcome and then waking is enough for a futex (the wake
// passes only an address) but not for an object on the owner's stack in general: the owner may
// see the outcome before the wake and return, and the wake then touches a dead object — a DATA
// RACE between the notify and the destruction in the models (mutant parker_no_notifying_phase;
// models/relacy_backend.hpp, alive_). The NOTIFYING phase costs one extra store, and only when
// the owner really went to sleep. (The seam's notify is address-only, so the std backend
// would survive the dead object; the parker promises more: its owner returns only after
// unpark() has finished with it, whatever the backend's notify touches.)
#pragma once

#include <chrono>
#include <cstdint>

#include "csp/detail/backoff.hpp"
#include "csp/sync/backend.hpp"

namespace csp::detail {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct parker_relaxed_unpark {};
struct parker_no_notifying_phase {};
struct parker_relaxed_wake_done {};
}  // namespace mutation

template <class B>
class parker {
 public:
  static constexpr std::uint32_t outcome_mask = (1u << 28) - 1;
  static constexpr std::uint32_t parked = 1u << 30;
  static constexpr std::uint32_t notifying = 1u << 31;

  parker() = default;
  parker(const parker&) = delete;
  parker& operator=(const parker&) = delete;

  // The waker's side: publishes a non-zero outcome and wakes the owner. Call exactly once.
  void unpark(std::uint32_t outcome) noexcept {
    constexpr bool no_phase = sync::planted<B, mutation::parker_no_notifying_phase>;
    // Guess that the owner is still spinning (no flag set): the first compare-exchange then
    // takes the line straight to this core and succeeds, with no separate load before it.
    std::uint32_t old = 0;
    std::uint32_t next = 0;
    // release (P1): pairs with the owner's acquire loads (P2); publishes everything the waker
    // did before unpark(), e.g. the value it handed over. relaxed on failure: retry with the
    // flags read. (Strong, not weak: the loop retries only on a wrong guess or a change of the
    // PARKED bit; a spurious failure adds nothing on x86 but a branch for Relacy to explore at
    // every unpark.)
    constexpr auto publish =
        sync::order<B, mutation::parker_relaxed_unpark>(std::memory_order_release);  // P1
    do {
      next = outcome | ((old & parked) != 0 && !no_phase ? notifying : 0);
    } while (!word_.compare_exchange_strong(old, next, publish, sync::retry_on_failure));
    if ((old & parked) != 0) {
      word_.notify_one();
      // release (P3): the owner waits for NOTIFYING to clear before it destroys the parker, with
      // an acquire load (P2) that reads this store: the notify, a use of the object, then
      // happens-before the destruction. Relaxed, the owner could see NOTIFYING clear and end
      // the parker's life unordered with the notify (mutant parker_relaxed_wake_done, a DATA
      // RACE on the object's lifetime in the models: models/relacy_backend.hpp, alive_).
      constexpr auto done =
          sync::order<B, mutation::parker_relaxed_wake_done>(std::memory_order_release);  // P3
      if constexpr (!no_phase) word_.store(outcome, done);
    }
  }

  // The owner's side: the outcome, once delivered. With `spin`, tries for a while first
  // (detail/backoff.hpp), as long as `gauge` (the waiting site's, if any) advises.
  std::uint32_t park(bool spin = true, spin_gauge<B>* gauge = nullptr) noexcept {
    for (;;) {
      if (const std::uint32_t o = poll(spin, gauge); o != 0) return o;
      std::uint32_t expected = 0;
      // relaxed: setting PARKED publishes nothing; on failure the outcome may have arrived, and
      // poll() re-reads it with acquire (P2).
      if (word_.compare_exchange_strong(expected, parked, std::memory_order_relaxed,  // above
                                        sync::retry_on_failure)) {
        word_.wait(parked, std::memory_order_acquire);  // acquire (P2): pairs with P1
      }
      spin = false;
    }
  }

  // As park(), giving up at `deadline`: returns 0 on timeout. The owner must then withdraw its
  // operation (so no waker can claim it) or, if a waker already did, park() for the outcome.
  template <class Clock, class Duration>
  std::uint32_t park_until(const std::chrono::time_point<Clock, Duration>& deadline,
                           bool spin = true, spin_gauge<B>* gauge = nullptr) noexcept {
    for (;;) {
      if (const std::uint32_t o = poll(spin, gauge); o != 0) return o;
      std::uint32_t expected = 0;
      // relaxed: as in park().
      if (word_.compare_exchange_strong(expected, parked, std::memory_order_relaxed,
                                        sync::retry_on_failure)) {
        // acquire (P2): pairs with P1.
        if (!word_.wait_until(parked, deadline, std::memory_order_acquire)) {
          // Timed out while still PARKED: clear it, unless the outcome raced in.
          expected = parked;
          // relaxed: on success nothing was published; on failure poll() re-reads with acquire.
          if (word_.compare_exchange_strong(expected, 0, std::memory_order_relaxed,
                                            sync::retry_on_failure)) {
            return 0;
          }
        }
      }
      spin = false;
    }
  }

  // The outcome if one has been delivered (and the waker is done with the word), else 0.
  std::uint32_t peek() noexcept { return poll(false, nullptr); }

  // Makes the parker ready for another unpark(), after park() returned an outcome (so the
  // waker is done with the word) and before the owner's operation can be found again.
  void reset() noexcept {
    // relaxed: no waker can reach the word until the owner publishes its operation again.
    word_.store(0, std::memory_order_relaxed);
  }

 private:
  std::uint32_t poll(bool spin, spin_gauge<B>* gauge) noexcept {
    backoff<B> wait;
    for (;;) {
      // acquire (P2): pairs with the waker's release P1 (or its final store P3).
      const std::uint32_t w = word_.load(std::memory_order_acquire);
      if ((w & outcome_mask) != 0 && (w & notifying) == 0) {
        wait.paid_off(gauge);
        return w & outcome_mask;
      }
      if ((w & notifying) != 0) {  // (P3) the waker is between its wake and its last store
        B::yield();
        continue;
      }
      if (!spin || !wait.snooze(gauge)) return 0;
    }
  }

  typename B::template atomic<std::uint32_t> word_{0};
};

}  // namespace csp::detail
