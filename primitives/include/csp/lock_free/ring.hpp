// csp/lock_free/ring.hpp — the buffered flavor of the lock-free channel (capacity >= 1).
//
// A bounded FIFO of C positions in which every send and every receive takes effect with one
// compare-exchange on one word, so that no thread ever has to wait for a peer preempted
// half-way through an operation, and whose failing answers are exact: try_recv says `empty`
// only if no completed send's value is unreceived, try_send says `full` only if C completed
// sends' values are unreceived.
//
// Why not Vyukov's ring (crossbeam's array flavor). There a sender claims position t by
// advancing the tail, then writes the value into slot t, then marks it ready. Between the claim
// and the mark, slot t is reserved but empty. A receiver that finds it so must either say
// `empty` — wrong if a later sender has already completed (Relacy shows it in 3 schedules) — or
// wait for the preempted sender, which is what crossbeam does. The window exists because the
// value is moved into the slot after the position is claimed, and moving a T is not atomic.
//
// The design here never claims a position before the value is in place:
//   1. stage    the sender moves its value into a storage slot it owns (storage is decoupled
//               from positions: any slot can hold the value of any position);
//   2. publish  one compare-exchange writes "value in slot k" into the word of the first
//               unpublished position t, which must read "empty, lap of t". Positions are
//               published strictly in order: the tail is only a hint, stored after a publish,
//               so "the tail reads t" implies t - 1 is published, and a sender that finds
//               word(t) empty there publishes at the frontier. A send linearizes here.
// A receiver at the head h claims the published word with one compare-exchange (which also
// frees the position for the next lap), stores the head hint, moves the value out of its
// storage slot and frees the slot. Receives linearize at the claim.
//
// A blocking send first guesses the word instead of reading it: it stages and then publishes
// into "empty, lap of t" at the tail hint. A compare-exchange on an unread word fetches its
// line exclusive once, where a load fetches it shared and the compare-exchange again,
// exclusive; on a wrong guess the value it read starts the ordinary walk. A try_send does not
// guess: on a full buffer it would stage for nothing. Receivers read the word first. Until
// 2026-12-01 a blocking receive guessed too ("published, slot of h's own bank"), which took
// 4-5 ns off each message at capacity 1024 in a fast window of this machine (2026-11-29: about
// 33 to 28.5 ns, all three flows). In the slow window since (spin floor 130-170 ns), A/B runs
// in alternating order, 8 rounds each, put the receive without the guess at 0.80 / 0.77 /
// 0.81 of the time with it (mpsc / mpmc / spsc, medians of per-round ratios; 8, 7 and 6 rounds
// of 8 faster), and two more runs agreed. A receiver whose claim fails takes the line from the
// senders that are about to write it: at 4:1 its guess was right 11% of the time, since
// senders waiting at a full buffer win positions in another order than they staged their
// slots, and where the buffer runs empty it took the line from the sender publishing next.
//
// Close seals the frontier: it compare-exchanges the first unpublished word to `sealed`, so it
// is totally ordered with every publish (the publish and the seal race for the same word).
// When the buffer is full, the frontier's word still holds the previous lap's value; close then
// flags that value `seal-next`, and the receiver that claims it writes `sealed` instead of
// `empty` for the next lap, in the same compare-exchange.
//
// Storage: two primary slots per position index, one per lap parity; a sender claims the bank
// of the lap it is about to publish in, whose previous user is two laps back, so in the common
// case a sender never meets a receiver still moving a value out of the same slot. An overflow
// pool is used only while a slot's previous value is still being moved out by a preempted
// receiver, or when more senders race than the few positions a sender probes. Memory: O(C) plus
// O(number of operations in flight).
//
// Layout: a position's two primary slots live beside its word, in one cache line for small T
// (a 64-bit value: word 8 bytes, two slots of 24), so a message moves one line between sender
// and receiver and back, not two (the word's and the slot's).
// Until 2026-11-30 the banks were an array of their own, each slot and each word padded to a
// line, so that a thread polling a word would not take the line of a value being staged; but
// a send then waited on two lines the receiver had last written (the slot's claim and the
// publish are read-modify-writes, which wait for their line), and a receive on two the sender
// had. Old and new layout alternating, three runs each of channel_bench in one slow window of
// this machine (spin floor 109-151 ns), lock-free rows, ns per message, old -> new: spsc cap 1
// 189-207 -> 131-195, cap 1024 102-126 -> 59-82; mpsc cap 1 298-316 -> 212-268, cap 1024 71-83
// -> 59-78; mpmc cap 1 321-346 -> 210-272, cap 1024 72-77 -> 52-67; ping_pong cap 1 579-650 ->
// 428-550 per round trip; fan_out_64 118-142 -> 62-91. Packing the words eight to a line, or
// the slots unpadded in their own array, was slower (mpmc cap 1024 88 and 114-119 ns against
// 65-68). Overflow slots stay padded: senders racing for them would otherwise share lines.
//
// Prefetch. After each publish at t the sender fetches, for writing, the line of position
// t + 4 (B::prefetch_for_write: x86's PREFETCHW). Counted with an instrumented copy, the
// buffer of the capacity-1024 flows is nearly always short of full (at 1:1, 0.03% of sends
// found it full, and 4% of receives found it empty): the senders set the pace, and each send
// stalls on its first read-modify-write (the slot claim) until the line of its position comes
// back from the receiver, who claimed that position's previous lap there. The prefetch moves
// the line while the sender is still busy with the three sends before. A/B against the build
// without it, the median of per-round ratios over 10 rounds in rotating order, with an
// identical build as a control (2026-12-01, spin floor 137 ns): distance 3 and 4, spsc
// 0.75 / 0.87, mpsc 0.75 / 0.83, mpmc 0.79 / 0.72, fan_out_64 0.81 / 0.79, faster in 7 to 10
// rounds of 10, where the control's medians were 0.93-1.12; distance 1 did nothing (0.87-1.04
// in 6 rounds) and 2 less (0.78-0.90). Capacity 1 prefetches its own line (a no-op): its rows
// stayed within 0.95-1.06. A read prefetch (PREFETCHT0, what __builtin_prefetch(p, 1)
// compiles to for the default x86-64 target) gave mpsc 0.98 where PREFETCHW gave 0.78: the
// slot claim still waits for the other core's copy to be invalidated. Dropped: a receiver
// that also read-prefetches position h + 2 after its claim (with the senders' at distance 2:
// spsc 0.91, mpmc 1.04, where the senders' alone gave 0.67 and 0.82; it takes lines the
// senders are about to write), and a waiter that prefetches its word for writing on each
// spin (mpsc/cap:1 1.13-1.15 in 8 rounds: it takes the line from the writer it waits for).
//
// Synchronization contract (Go's memory model)
//   S1  A send happens-before the receive that takes its value completes (publish: release;
//       claim: acquire).
//   S3  The k-th receive happens-before the (k+C)-th send completes (claim: release; the
//       sender's load of the word it publishes into: acquire).
//   S4  close() happens-before a receive that returns because the channel is closed (seal:
//       release; the receiver's load: acquire).
//
// Invariants (asserted through the channel models)
//   I1  Published, unclaimed positions form the contiguous range [head, frontier); the word
//       of position p reads one of: empty(p), published(p, slot), sealed(p), or the previous
//       lap's published value (then p is beyond a full buffer).
//   I2  A storage slot is owned by exactly one of: nobody, a sender staging it, the ring (a
//       published value), a receiver moving its value out.
//   I3  The tail hint never passes an unpublished position, the head hint never an unclaimed
//       one: each is stored, after the publish or claim of the position before it. Both may
//       go back when a thread stores late; a walk that meets a word already past its position
//       jumps on (past()).
//   I4  Once a word is sealed, no position at or after it is ever published.
//
// State encoding
//   position  64 bits: lap * one_lap + index, index < C, one_lap = the power of two >= C.
//   word      64 bits: [stamp: the low 32 bits of a position][payload: 32 bits]:
//             0 empty; bits 0..28 = k + 1: published, the value is in storage slot k;
//             bit 29 alone: sealed; bit 30: seal-next (close saw this value at a full
//             buffer's frontier); bit 31: a receiver is moving the value out (only for element
//             types whose move can throw, see "Exceptions").
//
// Exceptions. A send's staging move can throw before anything is published: nothing changes.
// A receive moves its value out after claiming it. For element types whose move constructor
// (or move assignment, for try_recv) is noexcept — nearly all — the claim is final. For other
// types the claim is provisional (bit 31) until the move succeeds; if it throws, the value is
// returned to its place, so nothing is lost or reordered; the price is that other receivers
// wait for such a move in progress. A send that fails (closed, full, timeout) after staging
// gives the value back: it moves it back into an rvalue argument of type T, and any other
// argument was copied from (lock_free/channel.hpp converts an rvalue of another type as a const
// lvalue; csp/detail/channel_transfer.hpp), so the argument is as it was.
//
// Incorrect alternatives (planted mutants the models catch)
//   * publish with a relaxed compare-exchange: the receiver reads the staged value unordered —
//     DATA RACE (mutant ring_relaxed_publish);
//   * claim with an acq_rel instead of a seq_cst compare-exchange: a sender parked on a full
//     buffer re-checks the word and may miss the claim — DEADLOCK (mutant ring_claim_acq_rel);
//   * advancing the tail hint before publishing (the reservation of Vyukov's ring): a later
//     sender publishes past an unpublished position, and close seals the gap while a value
//     sits beyond it — a value lost (mutant ring_hint_before_publish);
//   * close that only seals an empty frontier: at a full buffer nothing is sealed, the blocked
//     sender never learns of the close — DEADLOCK (mutant ring_close_skips_full);
//   * a publish that does not notify the watch list: a select waiting for a value on this
//     ring sleeps on — DEADLOCK (mutant ring_publish_skips_watchers);
//   * a watcher that does not re-check readiness after linking itself: a send between the
//     select's poll and its registration is missed — DEADLOCK (mutant
//     ring_watch_skips_recheck);
//   * a sender that meets a word already past its position and reloads the tail hint, as
//     with a compare-exchanged hint: a hint stored late stays laps behind and the sender
//     spins on it forever — LIVELOCK (mutant ring_stale_hint_reload);
//   * an overflow slot pushed back on the free stack with a relaxed compare-exchange: the
//     sender that pops it stages its value while the receiver's move-out of the previous
//     value is unordered with it — DATA RACE (mutant ring_relaxed_free_push).
#pragma once

#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "csp/detail/backoff.hpp"
#include "csp/detail/channel_transfer.hpp"
#include "csp/detail/select_ctx.hpp"
#include "csp/detail/waiter_queue.hpp"
#include "csp/detail/watch_list.hpp"
#include "csp/errors.hpp"
#include "csp/sync/backend.hpp"

namespace csp::lock_free {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct ring_relaxed_publish {};
struct ring_claim_acq_rel {};
struct ring_hint_before_publish {};
struct ring_close_skips_full {};
struct ring_publish_skips_watchers {};
struct ring_watch_skips_recheck {};
struct ring_stale_hint_reload {};
struct ring_relaxed_free_push {};
}  // namespace mutation

enum class op_mode { poll, block, until };

template <class T, class B>
class ring {
  using source = csp::detail::source<T>;
  using sink = csp::detail::sink<T>;

  static constexpr std::uint32_t claiming_bit = 1u << 31;
  static constexpr std::uint32_t seal_next_bit = 1u << 30;
  static constexpr std::uint32_t sealed = 1u << 29;
  static constexpr std::uint32_t slot_mask = sealed - 1;
  static constexpr std::uint32_t no_slot = ~std::uint32_t{0};

  // A receive's move-out can throw: claim provisionally (see "Exceptions").
  static constexpr bool provisional_claim =
      !(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>);

  struct slot {
    typename B::template atomic<std::uint32_t> owned{0};      // primary slots only
    typename B::template atomic<std::uint32_t> next_free{0};  // overflow free list link
    typename B::template cell<std::optional<T>> value{};
  };
  // An overflow slot, on lines of its own (see "Layout").
  struct alignas(64) spare {
    slot s;
  };
  // A position: its word and its two primary slots, bank 2 * index + lap parity (see
  // "Layout"). Positions do not share lines.
  struct alignas(64) position {
    typename B::template atomic<std::uint64_t> word{0};
    slot bank[2];
  };

 public:
  explicit ring(std::size_t capacity)
      : capacity_(capacity),
        one_lap_(std::bit_ceil(static_cast<std::uint64_t>(capacity))),
        lap_shift_(static_cast<unsigned>(std::countr_zero(one_lap_))),
        primary_(std::make_unique<position[]>(capacity)) {
    for (std::size_t i = 0; i < capacity; ++i) {
      const std::uint64_t empty_word = make_word(static_cast<std::uint32_t>(i), 0);
      // relaxed: construction happens-before any use of the channel (it is published with it).
      primary_[i].word.store(empty_word, std::memory_order_relaxed);
    }
  }

  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;

  ~ring() {
    // No operation runs any more: destroy the values still buffered, [head, frontier). The
    // head hint may lag (I3), so start from the first unclaimed position.
    for (std::uint64_t p = first_unclaimed();; p = next(p)) {
      // relaxed: the destructor runs after every operation (the caller's synchronization).
      const std::uint64_t w = word(p).load(std::memory_order_relaxed);
      const std::uint32_t k = payload(w) & slot_mask;
      if (stamp(w) != stamp_of(p) || k == 0 || payload(w) == sealed) break;
      storage(k - 1).value.with_mut([](std::optional<T>& v) { v.reset(); });
    }
    for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);  // relaxed: as above
  }

  std::size_t capacity() const noexcept { return capacity_; }

  // Whether close() has taken effect: the frontier is sealed (or flagged to be, at a full
  // buffer). Linearizable with close (its seal) and with every send (publishes and the seal
  // race for the same word).
  bool closed() const noexcept {
    std::uint64_t t = frontier(tail_hint());
    // seq_cst: ordered with the seal (K1) and the publishes; acquire: a true answer comes with
    // what the closer did before closing (S4).
    const std::uint64_t w = word(t).load(std::memory_order_seq_cst);
    if (stamp(w) == stamp_of(t)) return payload(w) == sealed;
    return (payload(w) & seal_next_bit) != 0;  // a full buffer's frontier
  }

  // Go's len(ch): the number of published values not yet claimed, as it was at one instant
  // during the call (Go's len is only approximate under concurrency; this is exact). A double
  // collect: the first unclaimed position, then the frontier, then the first unclaimed position
  // again; if it did not move, the count held when the frontier was read. Retried while
  // receivers keep moving it; after many retries, an answer within [0, C] that may be stale.
  std::size_t size() const noexcept {
    std::uint64_t first = first_unclaimed();
    for (int attempt = 0;; ++attempt) {
      const std::uint64_t end = frontier(first);
      const std::uint64_t again = first_unclaimed();
      if (again == first || attempt == 64) return distance(first, end);
      first = again;
    }
  }

  // Sends `src`. ok, full (poll only), closed, timeout (until only).
  template <class Deadline>
  status send(const source& src, op_mode how, const Deadline& deadline) {
    std::uint32_t staged = no_slot;
    const auto fail = [&](status s) {
      if (staged != no_slot) unstage(src, staged);
      return s;
    };
    csp::detail::backoff<B> patience;
    // Position t - 1 is published (I3), so an empty word(t) is the frontier.
    std::uint64_t t = tail_hint();
    std::uint64_t w = 0;
    bool fresh = false;  // w holds word(t), read by a failed guess
    if (how != op_mode::poll) {
      // Guess that t is the frontier, as it nearly always is: stage, then publish with one
      // compare-exchange on the word, unread. It fetches the line exclusive at once, where a
      // load fetches it shared and the publish again, exclusive. (A try_send does not guess:
      // on a full buffer it would stage for nothing.)
      if constexpr (sync::planted<B, mutation::ring_hint_before_publish>) advance_tail(t);
      staged = stage(src, t);  // may throw: nothing published
      w = make_word(stamp_of(t), 0);
      // seq_cst: as the publish below (S1, N1 of not_empty). seq_cst on failure: the value
      // read takes the place of the loop's first load, which is seq_cst.
      if (word(t).compare_exchange_strong(
              w, make_word(stamp_of(t), staged + 1),
              sync::order<B, mutation::ring_relaxed_publish>(std::memory_order_seq_cst),
              std::memory_order_seq_cst)) {
        return published(t);
      }
      fresh = true;
    }
    for (;;) {
      if (!fresh) {
        // seq_cst: the acquire half pairs with a claim (S3: the previous lap's value is out)
        // or a seal (S4); seq_cst so that an answer `full` or `closed` is ordered with the
        // others.
        w = word(t).load(std::memory_order_seq_cst);
      }
      fresh = false;
      const std::uint32_t pl = payload(w);
      if (stamp(w) == stamp_of(t)) {
        if (pl == sealed) return fail(status::closed);
        if (pl != 0) {  // published at t; the hint lags: walk on
          t = next(t);
          continue;
        }
        if constexpr (sync::planted<B, mutation::ring_hint_before_publish>) advance_tail(t);
        if (staged == no_slot) staged = stage(src, t);  // may throw: nothing published
        std::uint64_t expected = w;
        // seq_cst (S1, and N1 of not_empty): the release half publishes the staged value to
        // the claim's acquire; seq_cst for the receivers' waiter-queue re-check and so that
        // publishes, seals and the empty/full answers are totally ordered. relaxed on failure:
        // another sender or the closer won the word; look again. (Mutant: ring_relaxed_publish.)
        if (word(t).compare_exchange_strong(
                expected, make_word(stamp_of(t), staged + 1),
                sync::order<B, mutation::ring_relaxed_publish>(std::memory_order_seq_cst),
                sync::retry_on_failure)) {
          return published(t);  // the slot belongs to the ring now
        }
        continue;
      }
      if (stamp(w) == stamp_of(t - one_lap_) && pl != 0) {
        // The previous lap's value at this index is still here: C values are buffered.
        if ((pl & seal_next_bit) != 0) return fail(status::closed);  // close saw it so
        if (how == op_mode::poll) return fail(status::full);
        if (spin_while(t, w, patience, send_gauge_)) {
          fresh = true;  // the word changed
          continue;
        }
        typename csp::detail::waiter_queue<B>::waiter me;
        not_full_.enlist(me);
        // seq_cst (C of waiter_queue.hpp): sees a claim (N1 of not_full_) or a close that
        // changed the word, or is seen by it.
        if (word(t).load(std::memory_order_seq_cst) != w) {
          not_full_.cancel(me);
          continue;
        }
        if (!sleep(not_full_, me, how, deadline)) return fail(status::timeout);
        patience.reset();
        continue;
      }
      // The planted bug: the walk reloads the hint instead of jumping on; a hint stored late
      // stays behind, and the sender spins on it.
      if constexpr (sync::planted<B, mutation::ring_stale_hint_reload>) {
        B::pause();
        t = tail_hint();
        continue;
      }
      t = past(t, w);  // the word has moved on: t was published and claimed already
    }
  }

  // Receives into `dst`. ok, empty (poll only), closed (closed and drained), timeout.
  template <class Deadline>
  status recv(sink& dst, op_mode how, const Deadline& deadline) {
    csp::detail::backoff<B> patience;
    // Position h - 1 is claimed (I3), so a published word(h) is the oldest value.
    std::uint64_t h = head_hint();
    std::uint64_t w = 0;
    bool fresh = false;  // w holds word(h), read while spinning
    for (;;) {
      if (!fresh) {
        // seq_cst (R1): the acquire half pairs with the publish (S1) and the seal (S4);
        // seq_cst so that an `empty` answer is ordered with every publish (see I1: if a later
        // position is published, so is h, earlier in the total order).
        w = word(h).load(std::memory_order_seq_cst);
      }
      fresh = false;
      const std::uint32_t pl = payload(w);
      if (stamp(w) == stamp_of(h)) {
        if (pl == sealed) return status::closed;  // closed, and everything before h received
        if (pl == 0) {                            // nothing published at the head: empty
          if (how == op_mode::poll) return status::empty;
          if (spin_while(h, w, patience, recv_gauge_)) {
            fresh = true;  // the word changed
            continue;
          }
          typename csp::detail::waiter_queue<B>::waiter me;
          not_empty_.enlist(me);
          // seq_cst (C of waiter_queue.hpp): the re-check after enlisting.
          if (word(h).load(std::memory_order_seq_cst) != w) {
            not_empty_.cancel(me);
            continue;
          }
          if (!sleep(not_empty_, me, how, deadline)) return status::timeout;
          patience.reset();
          continue;
        }
        if ((pl & claiming_bit) != 0) {  // a provisional claim in progress (throwing T)
          B::yield();
          continue;
        }
        if (take(dst, h, w)) return status::ok;
        continue;
      }
      h = past(h, w);  // claimed already: the hint lags, or another receiver won h
    }
  }

  // Throws closed_channel_error if already closed (found sealed: the seal is the only record of
  // a close, so a second close and a concurrent one both find it and exactly one seal wins).
  void close() {
    const auto already = [] {
      throw closed_channel_error("csp::channel: close of closed channel");
    };
    std::uint64_t t = tail_hint();
    for (;;) {
      // relaxed: only steers the walk. close() reads nothing the word's writer published: it
      // throws on a seal, steps on past a value, and its seal compare-exchanges below check
      // the word again (the order matrix found no model needing acquire here).
      std::uint64_t w = word(t).load(std::memory_order_relaxed);
      const std::uint32_t pl = payload(w);
      if (stamp(w) == stamp_of(t)) {
        if (pl == sealed) already();
        if (pl != 0) {  // published: the frontier is further on
          t = next(t);
          continue;
        }
        // seq_cst (K1, and N1 of both waiter queues): races the publish for the frontier word
        // (I4); release for S4. relaxed on failure: look at the word again.
        if (word(t).compare_exchange_strong(w, make_word(stamp_of(t), sealed),
                                            std::memory_order_seq_cst, sync::retry_on_failure)) {
          break;
        }
        continue;
      }
      if (stamp(w) == stamp_of(t - one_lap_) && pl != 0) {  // full: flag the value in the way
        if ((pl & seal_next_bit) != 0) already();
        if constexpr (sync::planted<B, mutation::ring_close_skips_full>) break;
        // seq_cst (K1'): as K1; the claim of this value turns into the seal. relaxed on
        // failure: it was claimed meanwhile; look again.
        if (word(t).compare_exchange_strong(w, w | seal_next_bit, std::memory_order_seq_cst,
                                            sync::retry_on_failure)) {
          break;
        }
        continue;
      }
      t = past(t, w);  // position t was published and claimed already: further on
    }
    not_empty_.notify_all();
    not_full_.notify_all();
    recv_watch_.notify_all();
    send_watch_.notify_all();
  }

  // ---- select (csp/select.hpp) -------------------------------------------------------------
  // A select's case watches the ring: any publish (for a receive case), claim (for a send
  // case) or close claims the select with `retry` and it polls again.
  using watcher = typename csp::detail::watch_list<B>::watcher;

  csp::detail::enlisted enlist(watcher& w, bool as_sender) {
    (as_sender ? send_watch_ : recv_watch_).add(w);
    // The planted bug: no re-check; a change between the select's poll and add() is missed.
    if constexpr (sync::planted<B, mutation::ring_watch_skips_recheck>) {
      return csp::detail::enlisted::waiting;
    }
    // The re-check C of detail/watch_list.hpp: a change the notify may have missed.
    return (as_sender ? send_ready() : recv_ready()) ? csp::detail::enlisted::ready
                                                     : csp::detail::enlisted::waiting;
  }
  void delist(watcher& w, bool as_sender) { (as_sender ? send_watch_ : recv_watch_).remove(w); }

 private:
  // Whether a receive would not find the ring empty: a value, or the seal, at the first
  // unclaimed position (seq_cst loads, in first_unclaimed()).
  bool recv_ready() const noexcept {
    const std::uint64_t h = first_unclaimed();
    // seq_cst: ordered with the publishes (N1 of recv_watch_) and the seal.
    const std::uint64_t w = word(h).load(std::memory_order_seq_cst);
    return stamp(w) == stamp_of(h) && payload(w) != 0;
  }
  // Whether a send would not find the ring full: an empty or sealed frontier, or a full
  // buffer's frontier flagged by close.
  bool send_ready() const noexcept {
    const std::uint64_t t = frontier(tail_hint());
    // seq_cst: ordered with the claims (N1 of send_watch_) and the seal.
    const std::uint64_t w = word(t).load(std::memory_order_seq_cst);
    return stamp(w) == stamp_of(t) || (payload(w) & seal_next_bit) != 0;
  }

  template <class>
  friend struct models::access;

  static constexpr std::uint64_t make_word(std::uint32_t stamp, std::uint32_t payload) noexcept {
    return (std::uint64_t{stamp} << 32) | payload;
  }
  static constexpr std::uint32_t stamp(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w >> 32);
  }
  static constexpr std::uint32_t payload(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w);
  }
  static constexpr std::uint32_t stamp_of(std::uint64_t position) noexcept {
    return static_cast<std::uint32_t>(position);
  }

  std::uint64_t next(std::uint64_t p) const noexcept {
    const std::uint64_t index = p & (one_lap_ - 1);
    return index + 1 < capacity_ ? p + 1 : (p - index) + one_lap_;
  }
  typename B::template atomic<std::uint64_t>& word(std::uint64_t p) const noexcept {
    return primary_[p & (one_lap_ - 1)].word;
  }

  std::uint64_t tail_hint() const noexcept {
    // acquire (S0): pairs with the release store of advance_tail(); position hint - 1 is
    // published (I3). It makes the publish of t - 1 happen-before ours at t, so publishes
    // enter the seq_cst total order in position order, which an `empty` answer relies on (R1
    // in recv()). Relacy runs the two in that order anyway (its hint load follows the hint
    // store), so no Relacy model can catch a relaxed load here; the RC11 litmus model does
    // (models/litmus_model.cpp, "the tail hint": try_recv says empty after a completed send).
    return tail_.load(std::memory_order_acquire);
  }
  std::uint64_t head_hint() const noexcept {
    // acquire: pairs with the release store of advance_head(); position hint - 1 is claimed.
    // As S0, for claims: they enter the total order in position order, which a `full` answer
    // relies on (models/litmus_model.cpp, "the head hint").
    return head_.load(std::memory_order_acquire);
  }

  // A blocked operation's wait at position p, whose word reads `seen` (empty for a receiver,
  // the previous lap's value for a sender): spins while it does (detail/backoff.hpp). True
  // once it changed, with the new value in `seen`; false when the spin ran out and the caller
  // should park. (Inline: out of line, ping_pong at capacity 1 lost 10-35%, 2026-12-01.)
  bool spin_while(std::uint64_t p, std::uint64_t& seen, csp::detail::backoff<B>& patience,
                  csp::detail::spin_gauge<B>& gauge) const noexcept {
    while (patience.snooze(&gauge)) {
      // seq_cst: the load the caller's loop would repeat (R1 in recv(), the first load in
      // send()), with the same partners.
      const std::uint64_t now = word(p).load(std::memory_order_seq_cst);
      if (now != seen) {
        patience.paid_off(&gauge);
        seen = now;
        return true;
      }
    }
    return false;
  }

  // The first unpublished position at or after t (t must be at or before it: a tail hint, or
  // the first unclaimed position).
  std::uint64_t frontier(std::uint64_t t) const noexcept {
    for (;;) {
      // seq_cst: the reads of size() and closed() are ordered with publishes, claims and seals.
      const std::uint64_t w = word(t).load(std::memory_order_seq_cst);
      const std::uint32_t pl = payload(w);
      const bool here = stamp(w) == stamp_of(t);
      if ((here && (pl == 0 || pl == sealed)) || (!here && stamp(w) == stamp_of(t - one_lap_))) {
        return t;  // unpublished, or behind a full buffer's previous-lap value
      }
      t = here ? next(t) : past(t, w);  // published here, or published and claimed already
    }
  }

  // The first position not yet claimed by a receiver (the head, unless it lags a claim).
  std::uint64_t first_unclaimed() const noexcept {
    std::uint64_t h = head_hint();
    for (;;) {
      // seq_cst: as in frontier().
      const std::uint64_t w = word(h).load(std::memory_order_seq_cst);
      if (stamp(w) == stamp_of(h)) return h;  // still published here, or unpublished
      h = past(h, w);
    }
  }

  // The position to resume a walk at when the word w of position p's index has moved past p:
  // it now stands at a position q >= p + one lap, so q - one lap was published and claimed
  // (only a claim moves a word to the next lap), and so was every position before it (claims
  // happen in order, I1). One step when the word is one lap on, a jump when a hint that went
  // back (I3) is laps behind.
  std::uint64_t past(std::uint64_t p, std::uint64_t w) const noexcept {
    // Positions of one index differ by whole laps; a stamp is a position's low 32 bits.
    const std::uint64_t q = p + static_cast<std::uint32_t>(stamp(w) - stamp_of(p));
    return next(q - one_lap_);
  }

  // The number of positions from a to b (a <= b).
  std::size_t distance(std::uint64_t a, std::uint64_t b) const noexcept {
    if (b <= a) return 0;
    const std::uint64_t n = ((b >> lap_shift_) - (a >> lap_shift_)) * capacity_ +
                            (b & (one_lap_ - 1)) - (a & (one_lap_ - 1));
    return n > capacity_ ? capacity_ : static_cast<std::size_t>(n);
  }

  // The hints are plain stores, not compare-exchanges: a send or receive pays for one
  // read-modify-write fewer (a third of a buffered send's cost on this machine, measured in
  // bench/channel_bench.cpp). The price is that a hint can go back, when a thread stores it
  // late (I3); walkers jump over the gap with past().
  void advance_tail(std::uint64_t t) noexcept {
    // release (S0'): pairs with the acquire of tail_hint(); position t is published (I3).
    tail_.store(next(t), std::memory_order_release);
  }

  void advance_head(std::uint64_t h) noexcept {
    // release: pairs with the acquire of head_hint(); position h is claimed.
    head_.store(next(h), std::memory_order_release);
  }

  // After a send's publish at t: the line of the position four on fetched for writing (see
  // "Prefetch" above), the hint, and the wake-ups.
  status published(std::uint64_t t) {
    B::prefetch_for_write(&word(next(next(next(next(t))))));
    advance_tail(t);
    not_empty_.notify_one();
    // The planted bug: a select watching for a value is not told of it.
    if constexpr (!sync::planted<B, mutation::ring_publish_skips_watchers>) {
      recv_watch_.notify_all();
    }
    return status::ok;
  }

  // The word a claimed position h leaves for the next lap: empty, or sealed if close saw its
  // value at a full buffer's frontier.
  std::uint64_t after_claim(std::uint64_t h, std::uint32_t pl) const noexcept {
    return make_word(stamp_of(h + one_lap_), (pl & seal_next_bit) != 0 ? sealed : 0);
  }

  // Claims the published value at head h (word w) and moves it into dst. False if another
  // receiver claimed it first.
  bool take(sink& dst, std::uint64_t h, std::uint64_t w) {
    const std::uint32_t k = (payload(w) & slot_mask) - 1;
    std::uint64_t expected = w;
    if constexpr (!provisional_claim) {
      // seq_cst (R2, N1 of not_full): what makes this seq_cst is the Dekker with a sender
      // parked on a full buffer, whose re-check reads this word (mutant ring_claim_acq_rel:
      // one step weaker, a lost wake-up). Its acquire half adds nothing here: the load of the
      // same word in recv() already synchronized with the publish (S1); and the move-out below
      // is ordered before the next staging by the slot's own release (release()), not by this.
      // relaxed on failure: another receiver won, or close flagged it; look again.
      if (!word(h).compare_exchange_strong(
              expected, after_claim(h, payload(w)),
              sync::order<B, mutation::ring_claim_acq_rel>(
                  std::memory_order_seq_cst,
                  std::memory_order_acq_rel),  // the planted one-step weakening
              sync::retry_on_failure)) {
        return false;
      }
      move_out(dst, h, k);
      return true;
    } else {
      // acquire: as R2 for the value; the word stays occupied while we move.
      if (!word(h).compare_exchange_strong(expected, w | claiming_bit, std::memory_order_acquire,
                                           sync::retry_on_failure)) {
        return false;
      }
      try {
        storage(k).value.with_mut([&](std::optional<T>& v) { dst.put(*v); });
      } catch (...) {
        // Put the value back, unclaimed, exactly where it was (keeping a seal-next flag close
        // may have added meanwhile). relaxed: we read our own last write or close's RMW.
        std::uint64_t now = word(h).load(std::memory_order_relaxed);
        const std::uint64_t unclaimed_mask = ~std::uint64_t{claiming_bit};
        // release: the value is published again. relaxed on failure: close flagged it; retry.
        while (!word(h).compare_exchange_weak(now, now & unclaimed_mask, std::memory_order_release,
                                              sync::retry_on_failure)) {
        }
        throw;
      }
      storage(k).value.with_mut([](std::optional<T>& v) { v.reset(); });
      // relaxed: as above.
      std::uint64_t now = word(h).load(std::memory_order_relaxed);
      // seq_cst: as R2 (release of the move-out, N1 of not_full). relaxed on failure: close
      // flagged it meanwhile; recompute.
      while (!word(h).compare_exchange_weak(now, after_claim(h, payload(now)),
                                            std::memory_order_seq_cst, sync::retry_on_failure)) {
      }
      advance_head(h);
      let_go(k);
      return true;
    }
  }

  // After a claim of position h whose value is in slot k (final: a T whose move cannot throw):
  // the hint, the move into dst, and the slot let go.
  [[gnu::always_inline]] void move_out(sink& dst, std::uint64_t h, std::uint32_t k) noexcept {
    advance_head(h);
    storage(k).value.with_mut([&](std::optional<T>& v) {
      dst.put(*v);  // noexcept for this T
      v.reset();
    });
    let_go(k);
  }

  // A receiver is done with slot k: it goes back, and a sender waiting for room is told.
  void let_go(std::uint32_t k) noexcept {
    release(k);
    not_full_.notify_one();
    send_watch_.notify_all();
  }

  // ---- storage ---------------------------------------------------------------------------

  static constexpr unsigned chunk_shift = 4;  // overflow chunk c holds 16 << c slots
  static constexpr unsigned max_chunks = 26;

  std::uint32_t primaries() const noexcept { return static_cast<std::uint32_t>(2 * capacity_); }

  slot& storage(std::uint32_t k) const noexcept {
    if (k < primaries()) return primary_[k >> 1].bank[k & 1];
    std::uint32_t j = k - primaries();
    const unsigned c = static_cast<unsigned>(std::bit_width((j >> chunk_shift) + 1) - 1);
    j -= ((1u << c) - 1) << chunk_shift;
    // acquire: pairs with the release publication of the chunk in grow(): the only load of a
    // chunk pointer ordered with its installer (grow()'s own check is relaxed). Load-bearing
    // for a thread that draws a slot index in a chunk another thread installed (two senders
    // growing into one chunk at once): chan.overflow.cap1 catches it relaxed (DATA RACE).
    return chunks_[c].load(std::memory_order_acquire)[j].s;
  }

  // Claims a storage slot for a value about to be sent at (about) position t, and stages the
  // value there.
  std::uint32_t stage(const source& src, std::uint64_t t) {
    const std::uint32_t k = claim_slot(t);
    try {
      storage(k).value.with_mut([&](std::optional<T>& v) { src.emplace(v); });
    } catch (...) {
      release(k);
      throw;
    }
    return k;
  }

  void unstage(const source& src, std::uint32_t k) {
    storage(k).value.with_mut([&](std::optional<T>& v) {
      src.restore(*v);
      v.reset();
    });
    release(k);
  }

  // The bank of position p: the lap's parity. Its previous user was position p - 2 laps.
  std::uint32_t bank_of(std::uint64_t p) const noexcept {
    return static_cast<std::uint32_t>(2 * (p & (one_lap_ - 1)) + ((p >> lap_shift_) & 1));
  }

  // Claims storage for a value about to be published at (about) position t: the bank of t,
  // or of one of the next few positions (other senders racing for t take t's), else overflow.
  std::uint32_t claim_slot(std::uint64_t t) {
    std::uint64_t p = t;
    for (int i = 0; i < 4; ++i, p = next(p)) {
      slot& candidate = storage(bank_of(p));
      std::uint32_t expected = 0;
      // acquire: pairs with release() after the previous value's move-out, which must happen
      // before we construct the next one. relaxed on failure: taken; try another.
      if (candidate.owned.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                                  sync::retry_on_failure)) {
        return bank_of(p);
      }
    }
    return overflow_pop();
  }

  void release(std::uint32_t k) noexcept {
    if (k < primaries()) {
      // release: pairs with claim_slot's acquire; the move-out and destruction come first.
      storage(k).owned.store(0, std::memory_order_release);
    } else {
      overflow_push(k);
    }
  }

  // Overflow slots: a Treiber stack of indices, ABA-tagged; new slots come from chunks that
  // double in size and live until the channel dies.
  std::uint32_t overflow_pop() {
    // acquire: pairs with overflow_push's release; the slot's next_free is visible.
    std::uint64_t top = free_top_.load(std::memory_order_acquire);
    while (static_cast<std::uint32_t>(top) != 0) {
      const std::uint32_t k = static_cast<std::uint32_t>(top) - 1;
      // relaxed: ordered by the acquire load of top that named k.
      const std::uint32_t below = storage(k).next_free.load(std::memory_order_relaxed);
      const std::uint64_t next_top = ((top >> 32) + 1) << 32 | below;
      // acquire: as the load above, on success and on failure (the loop reads next_free of the
      // new top).
      constexpr auto both = std::memory_order_acquire;
      if (free_top_.compare_exchange_weak(top, next_top, both, both)) {
        return k;
      }
    }
    // relaxed: a unique index is all we need; grow() publishes the memory.
    const std::uint32_t j = overflow_count_.fetch_add(1, std::memory_order_relaxed);
    grow(j);
    return primaries() + j;
  }

  void overflow_push(std::uint32_t k) noexcept {
    // relaxed: the compare-exchange below publishes.
    std::uint64_t top = free_top_.load(std::memory_order_relaxed);
    for (;;) {
      // relaxed: published by the release compare-exchange below.
      storage(k).next_free.store(static_cast<std::uint32_t>(top), std::memory_order_relaxed);
      const std::uint64_t next_top = ((top >> 32) + 1) << 32 | (k + 1);
      constexpr auto publish =
          // release: pairs with overflow_pop's acquire; the slot's next_free and its emptied
          // value are visible to the next owner. (Mutant: ring_relaxed_free_push.)
          sync::order<B, mutation::ring_relaxed_free_push>(std::memory_order_release);
      // relaxed on failure: retry.
      if (free_top_.compare_exchange_weak(top, next_top, publish, sync::retry_on_failure)) {
        return;
      }
    }
  }

  void grow(std::uint32_t j) {
    const unsigned c = static_cast<unsigned>(std::bit_width((j >> chunk_shift) + 1) - 1);
    // relaxed: only whether to allocate. Every access to a chunk's slots goes through
    // storage(), whose acquire load synchronizes with the installing compare-exchange below.
    // (The order matrix weakened this load from acquire: no model failed.)
    if (chunks_[c].load(std::memory_order_relaxed) != nullptr) return;
    spare* fresh = new spare[std::size_t{1} << (c + chunk_shift)];
    spare* expected = nullptr;
    // release: publishes the constructed chunk to storage()'s acquire load. It reads only the
    // null it replaces, so it acquires nothing. relaxed on failure: another thread installed
    // its chunk; we drop ours, and use theirs through storage(). (Was acq_rel / acquire.)
    if (!chunks_[c].compare_exchange_strong(expected, fresh, std::memory_order_release,
                                            std::memory_order_relaxed)) {  // as above
      delete[] fresh;
    }
  }

  template <class Deadline>
  static bool sleep(csp::detail::waiter_queue<B>& q,
                    typename csp::detail::waiter_queue<B>::waiter& me, op_mode how,
                    const Deadline& deadline) {
    if constexpr (requires { deadline.time_since_epoch(); }) {
      if (how == op_mode::until) return q.wait_until(me, deadline);
    }
    q.wait(me);
    return true;
  }

  const std::size_t capacity_;
  const std::uint64_t one_lap_;
  const unsigned lap_shift_;
  alignas(64) typename B::template atomic<std::uint64_t> head_{0};
  alignas(64) typename B::template atomic<std::uint64_t> tail_{0};
  // Whether spinning pays off for blocked receivers (empty) and senders (full), read by a wait
  // that outlasts the short burst (detail/backoff.hpp, "Adaptive").
  alignas(64) csp::detail::spin_gauge<B> recv_gauge_;
  csp::detail::spin_gauge<B> send_gauge_;
  alignas(64) csp::detail::waiter_queue<B> not_empty_;
  alignas(64) csp::detail::waiter_queue<B> not_full_;
  csp::detail::watch_list<B> recv_watch_;
  csp::detail::watch_list<B> send_watch_;

  std::unique_ptr<position[]> primary_;  // position index i holds storage slots 2i and 2i + 1
  typename B::template atomic<std::uint64_t> free_top_{0};
  typename B::template atomic<std::uint32_t> overflow_count_{0};
  std::array<typename B::template atomic<spare*>, max_chunks> chunks_{};
};

}  // namespace csp::lock_free
