// csp/lock_free/wait_group.hpp — Go's sync.WaitGroup on one 32-bit atomic word.
//
// A counter of outstanding tasks. add(n) raises it, done() lowers it, wait() blocks until it
// is zero. add() and done() are lock-free (one compare-exchange loop on the state word); only
// wait() ever blocks, first spinning briefly, then parked on the same word with a futex. The
// object may be destroyed as soon as every wait() has returned and no add()/done() is running,
// even while the last done() is still inside its wake-up call (see "Destruction safety").
//
// Synchronization contract
//   For any threads X and Y: if X calls done() (or add(-n)) and Y's wait() returns having
//   observed the counter at zero because of it, everything X did before done() happens-before
//   wait() returns in Y. The same holds for wait_for()/wait_until() returning true.
//
// Invariants (asserted by models/wait_group_model.cpp)
//   I1. The counter is never negative; an add() that would make it negative or exceed
//       max_count throws wait_group_error and changes nothing.
//   I2. A wait() that starts while the counter is non-zero returns only after the counter
//       reached zero at least once since it started (it may be non-zero again by then: the
//       epoch tells the waiter its cycle completed, so reuse never strands a waiter).
//   I3. If the waiters bit W is set when the counter reaches zero, every thread parked on the
//       word is woken; a waiter parks only on a value with W set, so no wake-up is lost.
//
// State encoding (one std::uint32_t, the futex word)
//   bit  0      W      a waiter may be parked; set by wait() before it parks, cleared by the
//                      transition to zero, which then calls notify_all()
//   bits 1..4   epoch  + 1 (mod 16) on every transition of the counter to zero
//   bits 5..31  count  outstanding tasks, 0 .. max_count = 2^27 - 1
//   Why a waiters bit and not a count: the zero transition wakes every waiter, so a count buys
//   nothing; the word must be 32 bits for the futex, and counter bits are worth more.
//
// Destruction safety
//   The transition to zero is the last access done() makes to the object; the notify_all()
//   after it passes only the word's address to the kernel (csp/sync/futex.hpp). Go's design
//   keeps a separate semaphore and resets the state after the zero transition — with a garbage
//   collector behind it. In C++ that second access could touch a destroyed object.
//
// Incorrect alternatives (each is a planted mutant that the models must catch)
//   * done() with a relaxed compare-exchange: the waiter returns without a happens-before edge
//     from the task's writes — DATA RACE on the payload in models/wait_group_model.cpp
//     (mutant wg_lf_relaxed_done).
//   * done() that wakes before it publishes the zero: a waiter woken early re-parks on the
//     unchanged word and the zero transition, having already notified, never wakes it again —
//     DEADLOCK (mutant wg_lf_notify_before_update; "Futexes Are Tricky" §4).
//   * wait() that waits for the counter to read zero instead of for its cycle to end: if the
//     group is reused before the woken waiter re-reads the word, the waiter sleeps through the
//     next cycle too, or forever — DEADLOCK (mutant wg_lf_ignore_epoch).
//
// Go's WaitGroup panics when Add races with Wait from zero or the group is reused before Wait
// returned: windows that exist because Go's zero transition and waiter reset are two steps. Here
// they are one compare-exchange, so those interleavings are well-defined (I2) and not errors.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "csp/detail/deadline.hpp"
#include "csp/detail/go.hpp"
#include "csp/errors.hpp"
#include "csp/sync/backend.hpp"

namespace csp::lock_free {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct wg_lf_relaxed_done {};
struct wg_lf_notify_before_update {};
struct wg_lf_ignore_epoch {};
}  // namespace mutation

template <class B = sync::std_backend>
class basic_wait_group {
  static constexpr std::uint32_t waiters_bit = 1u;
  static constexpr std::uint32_t epoch_one = 1u << 1;
  static constexpr std::uint32_t epoch_mask = 0xFu << 1;
  static constexpr unsigned count_shift = 5;

 public:
  using backend_type = B;
  static constexpr std::ptrdiff_t max_count = (std::ptrdiff_t{1} << 27) - 1;

  basic_wait_group() = default;
  basic_wait_group(const basic_wait_group&) = delete;
  basic_wait_group& operator=(const basic_wait_group&) = delete;

  // Adds delta (may be negative) to the counter. Throws wait_group_error, changing nothing, if
  // the counter would become negative or exceed max_count.
  void add(std::ptrdiff_t delta) {
    if (delta == 0) return;
    // relaxed: only the first guess of the compare-exchange loop, which validates it.
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    std::uint32_t next = 0;
    std::ptrdiff_t n = 0;
    for (;;) {
      const auto count = static_cast<std::ptrdiff_t>(s >> count_shift);
      if (delta < -count) throw wait_group_error("csp::wait_group: negative counter");
      if (delta > max_count - count) throw wait_group_error("csp::wait_group: counter overflow");
      n = count + delta;
      next = n == 0 ? (s + epoch_one) & epoch_mask  // count 0, W cleared, next epoch
                    : (static_cast<std::uint32_t>(n) << count_shift) |
                          (s & (epoch_mask | waiters_bit));
      if constexpr (sync::planted<B, mutation::wg_lf_notify_before_update>) {
        if (n == 0 && (s & waiters_bit) != 0) state_.notify_all();
      }
      // release (R1): pairs with the acquire loads A1/A2 in wait(); publishes everything this
      // thread did before done() to the waiter that sees the counter at zero. Every write to
      // the word is a read-modify-write, so the release sequence of each done() reaches the
      // zero no matter which done() writes it.
      using relaxed_done = mutation::wg_lf_relaxed_done;
      constexpr auto success = sync::order<B, relaxed_done>(std::memory_order_release);  // R1
      // relaxed on failure: the loop retries with the value read.
      if (state_.compare_exchange_weak(s, next, success, std::memory_order_relaxed)) break;
    }
    if constexpr (!sync::planted<B, mutation::wg_lf_notify_before_update>) {
      if (n == 0 && (s & waiters_bit) != 0) state_.notify_all();
    }
  }

  void done() { add(-1); }

  // Blocks until the counter is zero (I2). Rethrows the first exception that escaped a go()
  // task of this cycle, if any.
  void wait() {
    (void)wait_impl(nullptr_deadline{});
    errors_.rethrow_if_any();
  }

  template <class Rep, class Period>
  [[nodiscard]] bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    return wait_until(detail::deadline_after<typename B::clock>(timeout));
  }

  // False if the deadline passed first. Rethrows like wait() when it returns true.
  template <class Clock, class Duration>
  [[nodiscard]] bool wait_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    if (!wait_impl(deadline)) return false;
    errors_.rethrow_if_any();
    return true;
  }

  // Go 1.25's WaitGroup.Go: add(1), run std::invoke(f, args...) on a new thread, done() when
  // it returns. An exception escaping f is rethrown by the next wait().
  template <class F, class... Args>
  void go(F&& f, Args&&... args) {
    detail::go(*this, errors_, std::forward<F>(f), std::forward<Args>(args)...);
  }

 private:
  template <class>
  friend struct models::access;
  struct nullptr_deadline {};

  static bool finished(std::uint32_t s, std::uint32_t epoch) noexcept {
    if constexpr (sync::planted<B, mutation::wg_lf_ignore_epoch>) return (s >> count_shift) == 0;
    return (s >> count_shift) == 0 || (s & epoch_mask) != epoch;
  }

  template <class Deadline>
  bool wait_impl(const Deadline& deadline) {
    // acquire (A1): pairs with the release compare-exchange R1 in add()/done(); if the counter
    // reads zero, the tasks' writes are visible.
    std::uint32_t s = state_.load(std::memory_order_acquire);
    if ((s >> count_shift) == 0) return true;
    const std::uint32_t epoch = s & epoch_mask;

    // A short spin first: parking and waking cost a system call each, tens of microseconds on
    // a virtual machine whose idle CPUs halt.
    for (unsigned i = 0; i < B::spin_limit; ++i) {
      B::pause();
      s = state_.load(std::memory_order_acquire);  // acquire (A1), as above
      if (finished(s, epoch)) return true;
    }

    for (;;) {
      if ((s & waiters_bit) == 0) {
        // relaxed: setting W publishes nothing; its only job is to make the zero transition
        // (an RMW, which always sees it) call notify_all(). On failure, re-read with acquire.
        constexpr auto set_w = std::memory_order_relaxed;
        if (!state_.compare_exchange_weak(s, s | waiters_bit, set_w, set_w)) {
          s = state_.load(std::memory_order_acquire);  // acquire (A2): pairs with R1, as A1
          if (finished(s, epoch)) return true;
          continue;
        }
        s |= waiters_bit;
      }
      if constexpr (std::is_same_v<Deadline, nullptr_deadline>) {
        state_.wait(s, std::memory_order_acquire);  // returns once the word differs from s
      } else if (!state_.wait_until(s, deadline, std::memory_order_acquire)) {
        s = state_.load(std::memory_order_acquire);  // acquire (A2): the timeout races the zero
        return finished(s, epoch);
      }
      s = state_.load(std::memory_order_acquire);  // acquire (A2): pairs with R1, as A1
      if (finished(s, epoch)) return true;
    }
  }

  typename B::template atomic<std::uint32_t> state_{0};
  detail::first_error<B> errors_;
};

using wait_group = basic_wait_group<>;

}  // namespace csp::lock_free
