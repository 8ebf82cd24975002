// csp/detail/waiter_queue.hpp — threads blocked on a lock-free channel's buffer: a FIFO of
// parkers, each woken at most once, by a notifier that never waits.
//
// A receiver that finds the ring empty (a sender that finds it full) links a waiter record — a
// parker on its own stack — into the channel's queue, re-checks the ring, and sleeps. A send
// that publishes a value pops the oldest waiting receiver and unparks it; a receive that frees
// room does the same for a sender. This is crossbeam's SyncWaker and Go's sudog queue, with two
// differences:
//
//  * Each notify takes the waiter it wakes out of the queue. An event count cannot: it counts
//    waiters anonymously, so a woken thread stays counted until it runs, and every publish in
//    between pays a futex wake system call. With 64 receivers blocked on one sender that cost
//    dominated the channel (`fan_out_64`: 170-220 ns per message before, about 30-40 ns with
//    the queue; docs/channel.md). Decrementing an anonymous count at notify time instead is not
//    safe: the kernel's futex wake may pick a newer sleeper than the one the count was taken
//    for, and the older one then sleeps uncounted (futex(2) promises no wake order).
//  * A notifier never waits for the queue's lock. A send into a non-full buffer must not wait
//    for a thread preempted inside an operation (lock_free/channel.hpp), and crossbeam's notify
//    takes its waker's mutex. Here a notifier that finds the lock held records the wake it owes
//    in the same word and returns; the holder pays the debt before it lets the lock go. Only
//    blocked threads, enlisting or withdrawing, ever wait for the lock.
//
// State: one 64-bit word, changed only by compare-exchange:
//
//    63       62        61 .. 32          31 .. 0
//  +--------+---------+----------------+------------------------------------------+
//  | LOCKED | OWE_ALL | owed notifies  | count: waiters linked or being linked     |
//  +--------+---------+----------------+------------------------------------------+
//
// Synchronization contract: a notifier makes its change with a seq_cst operation N1, then calls
// notify_one(); a waiter calls enlist(), re-checks its condition with a seq_cst load C, and then
// either cancel()s (the condition changed) or wait()s. Then either C sees N1, or the notify
// pops a waiter enlisted before it and wakes it (this one or an older one). Proof, by what the
// notifier's first load Q2 of the state reads:
//  (a) a value older than the waiter's enlisting compare-exchange Q1 (count + 1, LOCKED). Then
//      Q2 precedes Q1 in the single total order S, so N1 < Q2 < Q1 < C in S and C sees N1.
//  (b) Q1's value or a later one. Every later change is a read-modify-write of the same word,
//      so the notifier's own compare-exchange lands after Q1 and after the waiter's unlock, or
//      it finds LOCKED: if the lock is held, the notify is recorded as owed, and the holder's
//      unlock — a compare-exchange that must read it — pays it by popping before it unlocks.
//      Either way the pop comes after the waiter's link in lock order and finds it or an older
//      waiter. (A waiter counted but not linked holds the lock: count and LOCKED are set by
//      one compare-exchange.)
//  Everything the notifier did before notify_one() happens-before the woken thread returns from
//  wait(): the owed-notify compare-exchange (release) is read by the holder's (acquire), and the
//  unpark publishes to the parker's owner (parker.hpp P1/P2).
//
// Invariants
//   Q-I1  count >= the number of linked waiters; count and the list change together, inside
//         the lock. A notifier that reads count 0 skips only waiters whose re-check sees its
//         change (case a).
//   Q-I2  a waiter is unparked at most once, and only after it was unlinked; a waiter whose
//         withdraw finds it unlinked collects that unpark before its frame dies (parker.hpp).
//   Q-I3  owed <= count when recorded; every owed notify is paid by the holder that saw it
//         (the unlock compare-exchange fails while a debt it has not paid is in the word).
//
// Incorrect alternatives (each a mutant that the channel models catch):
//   * wq_notify_skips_locked — a notifier that finds the lock held returns, trusting the holder
//     to notice the change. The holder may be another notifier popping a different waiter: the
//     second value's receiver sleeps on, DEADLOCK.
//   * wq_unlock_forgets_debt — the holder unlocks over an owed notify without paying it: the
//     same lost wake, one step later.
#pragma once

#include <chrono>
#include <cstdint>

#include "csp/detail/intrusive_fifo.hpp"
#include "csp/detail/parker.hpp"
#include "csp/sync/backend.hpp"

namespace csp::detail {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct wq_notify_skips_locked {};
struct wq_unlock_forgets_debt {};
}  // namespace mutation

template <class B>
class waiter_queue {
 public:
  struct waiter {
    parker<B> park;
    // Guarded by the queue's lock.
    waiter* prev = nullptr;
    waiter* next = nullptr;
    bool linked = false;
  };

  waiter_queue() = default;
  waiter_queue(const waiter_queue&) = delete;
  waiter_queue& operator=(const waiter_queue&) = delete;

  // Links `w` at the back. The caller then re-checks its condition with a seq_cst load (C).
  void enlist(waiter& w) {
    const std::uint64_t s = lock(1);  // Q1: counts `w` and takes the lock, one compare-exchange
    list_.with_mut([&](intrusive_fifo<waiter>& l) { l.push_back(&w); });
    unlock(s, 0, nullptr);
  }

  // The re-check found the condition changed: leave. If a notifier already took `w`, collect
  // its wake first (the waiter then absorbed that notify, and goes on to act on the change).
  void cancel(waiter& w) {
    if (!withdraw(w)) w.park.park(false);
  }

  // Sleeps until a notifier takes `w`.
  void wait(waiter& w) { w.park.park(false); }

  // As wait(); false, having left the queue, if the deadline passed first.
  template <class Clock, class Duration>
  bool wait_until(waiter& w, const std::chrono::time_point<Clock, Duration>& deadline) {
    if (w.park.park_until(deadline, false) != 0) return true;
    if (withdraw(w)) return false;
    w.park.park(false);  // taken at the deadline: the wake is ours
    return true;
  }

  // Call after a seq_cst change a waiter may be waiting for: wakes the oldest waiter.
  void notify_one() noexcept { notify(false); }
  // Wakes every waiter linked now (close).
  void notify_all() noexcept { notify(true); }

 private:
  static constexpr std::uint64_t locked = std::uint64_t{1} << 63;
  static constexpr std::uint64_t owe_all = std::uint64_t{1} << 62;
  static constexpr std::uint64_t one_owed = std::uint64_t{1} << 32;
  static constexpr std::uint64_t owed_mask = ((std::uint64_t{1} << 30) - 1) << 32;
  static constexpr std::uint64_t count_mask = (std::uint64_t{1} << 32) - 1;

  static std::uint64_t count(std::uint64_t s) noexcept { return s & count_mask; }
  static std::uint64_t owed(std::uint64_t s) noexcept { return (s & owed_mask) >> 32; }

  void notify(bool everyone) noexcept {
    // seq_cst (Q2): after the caller's change N1 in S; the Dekker with the enlisting Q1.
    std::uint64_t s = state_.load(std::memory_order_seq_cst);
    for (;;) {
      if (count(s) == 0) return;
      if ((s & locked) != 0) {
        if constexpr (sync::planted<B, mutation::wq_notify_skips_locked>) return;
        // The holder pays (Q-I3); nothing to add if it already owes everyone linked a wake.
        if ((s & owe_all) != 0 || (!everyone && owed(s) >= count(s))) return;
        const std::uint64_t debt = everyone ? (s | owe_all) : s + one_owed;
        // release: publishes N1 to the holder, whose unlock compare-exchange must read the debt
        // (every change of the word is a read-modify-write: Q-I3 needs no total order). relaxed
        // on failure: the word changed (e.g. the lock was let go); look again.
        if (state_.compare_exchange_strong(s, debt, std::memory_order_release,
                                           sync::retry_on_failure)) {
          return;
        }
        continue;
      }
      // acquire: takes the lock after the previous holder's unlock (release), so the pop sees
      // its links. Q2 above is this thread's place in the Dekker, not this. relaxed on failure:
      // look again.
      if (state_.compare_exchange_strong(s, s | locked, std::memory_order_acquire,
                                         sync::retry_on_failure)) {
        break;
      }
    }
    waiter* woken = nullptr;
    const std::uint32_t taken = pop(everyone ? count_mask : 1, woken);
    unlock(s | locked, taken, woken);
  }

  // Unlinks up to `n` waiters from the front onto the chain `woken`; returns how many.
  std::uint32_t pop(std::uint64_t n, waiter*& woken) {
    std::uint32_t k = 0;
    list_.with_mut([&](intrusive_fifo<waiter>& l) {
      while (k < n && !l.empty()) {
        waiter* const w = l.pop_front();
        w->next = woken;  // the popped waiters, chained; only we touch them until unparked
        woken = w;
        ++k;
      }
    });
    return k;
  }

  bool withdraw(waiter& w) {
    const std::uint64_t s = lock(0);
    bool was_linked = false;
    list_.with_mut([&](intrusive_fifo<waiter>& l) {
      if (w.linked) {
        l.erase(&w);
        was_linked = true;
      }
    });
    unlock(s, was_linked ? 1 : 0, nullptr);
    return was_linked;
  }

  // Takes the lock, adding `add` to the count in the same step; returns the state it wrote.
  // Only blocked threads wait here.
  std::uint64_t lock(std::uint64_t add) noexcept {
    // relaxed: a first guess; the compare-exchange below checks it.
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    for (;;) {
      if ((s & locked) != 0) {
        B::yield();
        // relaxed: as above.
        s = state_.load(std::memory_order_relaxed);
        continue;
      }
      // seq_cst (Q1 when add is 1): the Dekker with the notifier's Q2; as an acquire it
      // orders this critical section after the previous holder's. acq_rel would not do: Q1
      // must be in the total order S, or Q2 may read the count before it while C misses N1
      // (store buffering). Relacy does not produce that outcome for a read-modify-write, so
      // no Relacy model can catch acq_rel here; the RC11 litmus model does
      // (models/litmus_model.cpp, "enlist against notify").
      const std::uint64_t mine = (s + add) | locked;
      if (state_.compare_exchange_strong(s, mine, std::memory_order_seq_cst)) return mine;
    }
  }

  // Lets the lock go, subtracting the `removed` waiters unlinked in this critical section from
  // the count — but first pays every notify owed meanwhile (Q-I3). Then unparks the waiters
  // popped: `woken` and those popped for the debts. `s` is the state as the lock was taken: a
  // first guess, which the compare-exchanges check.
  void unlock(std::uint64_t s, std::uint32_t removed, waiter* woken) noexcept {
    for (;;) {
      const bool all_owed = (s & owe_all) != 0;
      const std::uint64_t n = owed(s);
      if ((n == 0 && !all_owed) || sync::planted<B, mutation::wq_unlock_forgets_debt>) {
        const std::uint64_t unlocked = (s - removed) & ~(locked | owe_all | owed_mask);
        // release: publishes the critical section to the next holder's acquire. A notifier's
        // Q2 that reads this value also comes after Q1 in S (Q1 is earlier in the word's
        // modification order), so no total order is needed here. relaxed on failure: a
        // notifier recorded a debt meanwhile; pay it.
        if (state_.compare_exchange_strong(s, unlocked, std::memory_order_release,
                                           sync::retry_on_failure)) {
          break;
        }
        continue;
      }
      const std::uint64_t paid = s & ~(owe_all | owed_mask);
      // acquire: takes the debt, keeping the lock; synchronizes with the notifiers' release
      // compare-exchanges that recorded it, so their changes N1 happen-before the unpark.
      // relaxed on failure: look again.
      if (!state_.compare_exchange_strong(s, paid, std::memory_order_acquire,
                                          sync::retry_on_failure)) {
        continue;
      }
      s = paid;
      removed += pop(all_owed ? count_mask : n, woken);
    }
    while (woken != nullptr) {
      waiter* const w = woken;
      woken = w->next;    // read first: once unparked, the waiter may return and die
      w->park.unpark(1);  // Q-I2: once, after the unlink
    }
  }

  typename B::template atomic<std::uint64_t> state_{0};
  typename B::template cell<intrusive_fifo<waiter>> list_{};
};

}  // namespace csp::detail
