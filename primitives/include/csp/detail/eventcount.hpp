// csp/detail/eventcount.hpp — sleep until "something changed", without a lock and without
// lost wake-ups (an event count, as in Vyukov's and folly's).
//
// A lock-free structure cannot make a thread wait on a condition variable: there is no mutex
// to hold while checking the condition. An event count separates "I am about to sleep" from
// "I sleep", so the condition can be re-checked in between:
//
//   waiter                                  notifier
//   for (;;) {                              make the change          (a seq_cst operation N1)
//     if (condition) break;                 ec.notify_one();         (reads waiters: N2)
//     auto key = ec.prepare();  (E1, E2)
//     if (condition) { ec.cancel(); break; }   (the re-check: a seq_cst load C)
//     ec.wait(key);
//   }
//
// Synchronization contract: if a notifier's change N1 is not seen by a waiter's re-check C, the
// waiter's wait(key) does not sleep through the notify that follows N1. Proof: N1, N2, E1, E2
// and C are seq_cst. If N2 reads no waiter, N2 precedes E1 in the single total order S, so
// N1 < N2 < E1 < C in S and C sees N1. Otherwise the notifier bumps the epoch (N3, release)
// and wakes: if E2 read N3 the change N1 happens-before C (N3 is a release sequenced after N1,
// E2 an acquire sequenced before C) and C sees it; if E2 read an earlier epoch, the futex compare
// in wait(key) fails or the wake finds the waiter asleep.
//
// Invariants
//   I1  waiters_ >= the number of threads between prepare() and the end of wait()/cancel();
//       it may briefly over-count (a woken waiter decrements after it runs), never under-count.
//   I2  epoch_ only grows (mod 2^32); every notify that sees a waiter bumps it before waking.
//
// notify_one() wakes at most one sleeping thread, so a send wakes at most the one receiver it
// can satisfy. A waiter that wakes and finds its condition still false re-prepares.
#pragma once

#include <chrono>
#include <cstdint>

#include "csp/sync/backend.hpp"

namespace csp::detail {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct ec_relaxed_prepare {};
}  // namespace mutation

template <class B>
class eventcount {
 public:
  // Announces that the caller may sleep; returns the key to wait on.
  std::uint32_t prepare() noexcept {
    // seq_cst (E1): Dekker with the notifier's seq_cst load N2 (see the proof above).
    waiters_.fetch_add(1, sync::order<B, mutation::ec_relaxed_prepare>(std::memory_order_seq_cst));
    // seq_cst (E2): ordered after E1 in S; acquire half pairs with the release bump N3.
    return epoch_.load(std::memory_order_seq_cst);
  }

  // The re-check after prepare() succeeded: the caller will not sleep.
  void cancel() noexcept {
    // relaxed: the count is a hint for notifiers (I1); over-counting costs a spurious wake.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Sleeps until the epoch moves past `key`.
  void wait(std::uint32_t key) noexcept {
    // acquire: pairs with the release bump N3; what the notifier did before it is visible.
    epoch_.wait(key, std::memory_order_acquire);
    // relaxed: a hint (I1), decremented only after the wait, so it never under-counts.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  // As wait(); false if the deadline passed first.
  template <class Clock, class Duration>
  bool wait_until(std::uint32_t key,
                  const std::chrono::time_point<Clock, Duration>& deadline) noexcept {
    // acquire: as in wait().
    const bool woken = epoch_.wait_until(key, deadline, std::memory_order_acquire);
    // relaxed: as in wait().
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return woken;
  }

  // Call after a seq_cst change the waiters check for.
  void notify_one() noexcept {
    if (waiting()) {
      bump();
      epoch_.notify_one();
    }
  }
  void notify_all() noexcept {
    if (waiting()) {
      bump();
      epoch_.notify_all();
    }
  }

 private:
  bool waiting() noexcept {
    // seq_cst (N2): Dekker with the waiter's E1; ordered after the caller's change N1.
    return waiters_.load(std::memory_order_seq_cst) != 0;
  }
  void bump() noexcept {
    // release (N3): pairs with the acquire of E2 / wait(); publishes the caller's change N1.
    epoch_.fetch_add(1, std::memory_order_release);
  }

  typename B::template atomic<std::uint32_t> epoch_{0};
  typename B::template atomic<std::uint32_t> waiters_{0};
};

}  // namespace csp::detail
