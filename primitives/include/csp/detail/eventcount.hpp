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
//     auto key = ec.prepare();  (E2, then E1)
//     if (condition) { ec.cancel(); break; }   (the re-check: a seq_cst load C)
//     ec.wait(key);
//   }
//
// Synchronization contract: if a notifier's change N1 is not seen by a waiter's re-check C, the
// waiter's wait(key) does not sleep through the notify that follows N1.
//
// Proof. prepare() reads the epoch (E2) *before* it counts itself a waiter (E1); N1, N2, E1 and
// C are seq_cst, and every write to waiters_ is a read-modify-write. Two cases, by what N2 reads:
//  (a) a value older than E1's in the modification order of waiters_. Then N2 is coherence-
//      ordered before E1, so N2 precedes E1 in the single total order S, and
//      N1 < N2 < E1 < C in S (N1 sequenced before N2, E1 before C): C sees N1.
//  (b) E1's value or a later one. That value is in E1's release sequence (only read-modify-
//      writes follow E1), so E1 synchronizes with N2 and E2 happens before the bump N3, which
//      is sequenced after N2. By coherence E2 read an epoch older than N3's, so key is stale
//      once N3 lands: wait(key) either sees the new epoch and returns, or blocks having observed
//      a value that precedes N3, and the notify after N3 is then eligible to wake it
//      ([atomics.wait]/4). notify_one wakes one such sleeper, which re-checks.
// No epoch operation orders anything: E2, N3 and the loads inside wait() are relaxed, and the
// proof survives them. (Reading the epoch after E1 instead would need N3 release and E2
// acquire: a waiter whose E2 saw N3 would otherwise sleep on the new epoch with a C that missed
// N1. That execution reads a value written after C in S, which an interleaving checker such as
// Relacy never produces, so those orders could not be tested; this order of E2 and E1 needs
// neither.)
//
// Invariants
//   I1  waiters_ >= the number of threads between prepare() and the end of wait()/cancel();
//       it may briefly over-count (a woken waiter decrements after it runs), never under-count.
//   I2  epoch_ only grows (mod 2^32); every notify that sees a waiter bumps it before waking.
//
// notify_one() wakes at most one sleeping thread; a waiter that wakes and finds its condition
// still false re-prepares. Used where a change concerns every waiter (the rendezvous' wait for
// a free cell, notify_all). A woken waiter stays counted until it runs again, so a notifier
// meanwhile pays a wake system call for nobody: for one-value-one-waiter hand-offs the ring
// uses detail/waiter_queue.hpp instead, which takes each woken waiter off at once.
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
    // relaxed (E2): read before E1, so a notify that counts this waiter bumps past it (case b
    // of the proof); the value is only a key, nothing is read through it.
    const std::uint32_t key = epoch_.load(std::memory_order_relaxed);
    // seq_cst (E1): Dekker with the notifier's seq_cst load N2 and the caller's re-check C;
    // as a release read-modify-write it heads the release sequence N2 synchronizes with.
    waiters_.fetch_add(1, sync::order<B, mutation::ec_relaxed_prepare>(std::memory_order_seq_cst));
    return key;
  }

  // The re-check after prepare() succeeded: the caller will not sleep.
  void cancel() noexcept {
    // relaxed: the count is a hint for notifiers (I1); over-counting costs a spurious wake.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Sleeps until the epoch moves past `key`.
  void wait(std::uint32_t key) noexcept {
    // relaxed: the caller re-checks its condition with a seq_cst load after waking; the epoch
    // publishes nothing (see the proof).
    epoch_.wait(key, std::memory_order_relaxed);
    // relaxed: a hint (I1), decremented only after the wait, so it never under-counts.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  // As wait(); false if the deadline passed first.
  template <class Clock, class Duration>
  bool wait_until(std::uint32_t key,
                  const std::chrono::time_point<Clock, Duration>& deadline) noexcept {
    // relaxed: as in wait().
    const bool woken = epoch_.wait_until(key, deadline, std::memory_order_relaxed);
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
    // seq_cst (N2): Dekker with the waiter's E1 (case a), and as an acquire it synchronizes
    // with E1's release sequence (case b); ordered after the caller's change N1.
    return waiters_.load(std::memory_order_seq_cst) != 0;
  }
  void bump() noexcept {
    // relaxed (N3): only moves the key on; a waiter it must wake read its key before (case b).
    epoch_.fetch_add(1, std::memory_order_relaxed);
  }

  typename B::template atomic<std::uint32_t> epoch_{0};
  typename B::template atomic<std::uint32_t> waiters_{0};
};

}  // namespace csp::detail
