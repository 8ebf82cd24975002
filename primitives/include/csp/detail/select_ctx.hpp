// csp/detail/select_ctx.hpp — the state a blocked select shares with every channel it waits
// on: the claim word that exactly one of them wins, and the parker the winner wakes.
//
// A select blocked on several channels has a waiter in each (csp/select.hpp). Whoever completes
// one of them — a partner handing a value over, close(), a channel telling a watching select
// that it changed — must first win the select's claim word (Go's selectDone, crossbeam's
// Context::selected, Kotlin's SelectInstance state): claim(i) is a compare-exchange from
// `waiting` to case i, so exactly one case commits, and a value offered to a losing case is
// never moved. The winner then performs the transfer (if any) and wakes the select with the
// outcome. The select itself claims the word (abort()) when it stops waiting on its own: it
// found a case ready while registering.
//
// Enlisting. While a select's case registers with an unbuffered lock-free channel
// (lock_free/rendezvous.hpp, enlist()), where it may draw a position, the channel holds the
// word for the select: hold() turns it `enlisting`, and claim() then fails, leaving a `dirty`
// mark instead of deciding. So a case that meets a waiting partner at its drawn position
// always completes (take()): it never has to give back a partner it has already drawn, which
// would leave that partner unfindable until it waits anew — a try operation could then answer
// `full` while a receiver had waited all along (docs/channel.md, "Select cases on the
// lock-free rendezvous"). A claimer that fails treats the waiter as gone, as it would after
// another case's claim; the select, which has not begun to wait, is not yet findable in the
// sense of linearizability (Go registers a select on every channel at once, under all their
// locks). When the case is registered, release() turns the word back to `waiting`, unless a
// claimer left the mark: then the select takes itself (aborted), withdraws and polls again.
// Between two such registrations claims decide as usual, so the window a claimer can meet is
// one case's draw and link; a blocked operation that meets it waits it out
// (claim_patiently()), a try operation does not.
//
// Lifetime: the context lives in the select's stack frame. Each channel guarantees that once
// the select has withdrawn its waiter from it, nobody touches the context through that channel
// any more (the mutex-based channel: the withdrawal takes its mutex; the lock-free one: the
// withdrawal waits out a claimer that holds the waiter's cell; a watch list: its mutex). The
// winner's wake is covered by the parker's own protocol (detail/parker.hpp).
//
// Synchronization contract
//   X1  claim() succeeds for exactly one caller per round (compare-exchange on one word), and
//       never while a case holds the select (enlisting).
//   X2  Everything the winner did before wake() happens-before wait() returns its outcome
//       (the parker's P1/P2).
//   X3  claim(), the dirty mark, hold(), release(), take() and selected() order nothing; the word
//   is only an
//       arbiter (X1). A claimer that reads the select's registration (its waiter records) does
//       so after the select wrote them because each channel publishes the record itself (its
//       mutex, or a release link compare-exchange in the lock-free rendezvous). A select learns
//       what its winner did only through the parker (X2): after wait(), or, for a poll that
//       follows a claim or a dirty mark, not at all — it polls again with seq_cst loads after
//       withdrawing, and each withdrawal synchronizes with whoever claimed through that channel
//       (the watch list's mutex, the channel's mutex, the acquire load of the cell word that the
//       claimer left with a release store). A relaxed load can read exactly the values an
//       acquire load can; only the synchronization after the read is dropped, and nothing uses
//       it. (The order matrix weakened claim() to release and to acquire, and selected() to
//       relaxed: no model failed.)
//
// Incorrect alternatives (planted mutants the models catch)
//   * select_claim_not_exclusive: "check, then set" with a load and a store. Two channels can
//     both see `waiting` and both complete their case: a value sent to one case is received
//     while another case's value is also taken — the models' exactly-once assertion fails.
//   * select_claim_ignores_enlisting: claim() decides an enlisting select as if it waited. Its
//     own take() then races with the claimer — two cases commit, the same assertion — and a
//     select that checked its claim first would have to send back the partner it drew (the
//     inexact `full` of ch.lin.select_loser, which is how the rendezvous worked until
//     2026-11-29).
#pragma once

#include <chrono>
#include <cstdint>

#include "csp/detail/backoff.hpp"
#include "csp/detail/parker.hpp"
#include "csp/sync/backend.hpp"

namespace csp::detail {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct select_claim_not_exclusive {};
struct select_claim_ignores_enlisting {};
}  // namespace mutation

// What the winner of a select's claim tells it.
enum class wake_kind : std::uint32_t {
  done = 0,    // the case's operation completed (the value was handed over)
  closed = 1,  // the case's channel was closed
  retry = 2,   // something changed (a watched channel, a partner gave up): poll again
  failed = 3,  // the transfer threw; the exception is with the case's waiter (mutex-based)
};

// What registering one of a select's cases with a channel found.
enum class enlisted {
  waiting,  // registered: a partner, close or a change will claim the select
  ready,    // the case can proceed now: the select claims itself and polls again
  claimed,  // another case claimed the select before this one could register: wait for it
  done,     // this case completed during registration (the select took itself for it)
  restart,  // a claimer marked the select while this case registered: it took itself
            // (aborted) and polls again
};

template <class B>
class select_ctx {
 public:
  static constexpr std::uint32_t waiting = 0;
  static constexpr std::uint32_t aborted = 0xFFFFFFu;  // the select claimed itself to leave

  select_ctx() = default;
  select_ctx(const select_ctx&) = delete;
  select_ctx& operator=(const select_ctx&) = delete;

  // Claims the select for case `index` (< aborted); true for exactly one caller (X1). While
  // the select is enlisting it fails and leaves the dirty mark: the caller treats the waiter as
  // gone, and the select polls again.
  bool claim(std::uint32_t index) noexcept {
    std::uint32_t seen = waiting;
    if constexpr (sync::planted<B, mutation::select_claim_not_exclusive>) {
      // The planted bug: look, then write — two claimers can both see `waiting`.
      // relaxed: as the real claim; only the exclusivity is lost.
      seen = selected_.load(std::memory_order_relaxed);
      if (seen == waiting) {
        B::yield();  // widens the window so that real threads (proptests/) fall into it too
        selected_.store(index + 1, std::memory_order_relaxed);  // relaxed: as above
        return true;
      }
    } else if constexpr (sync::planted<B, mutation::select_claim_ignores_enlisting>) {
      // The planted bug: an enlisting select is claimed like a waiting one.
      // relaxed: as the real claim.
      seen = selected_.load(std::memory_order_relaxed);
      while (seen == waiting || (seen & enlisting_bit) != 0) {
        // relaxed: as the real claim.
        if (selected_.compare_exchange_weak(seen, index + 1, std::memory_order_relaxed,
                                            sync::retry_on_failure)) {
          return true;
        }
      }
      return false;
    } else {
      // relaxed (X3): the compare-exchange's atomicity is the exclusivity (X1); it publishes
      // nothing. relaxed on failure: another case won, or the select is enlisting; either way
      // the caller treats the waiter as gone and touches nothing of it.
      if (selected_.compare_exchange_strong(seen, index + 1, std::memory_order_relaxed,
                                            sync::retry_on_failure)) {
        return true;
      }
    }
    while ((seen & enlisting_bit) != 0 && (seen & dirty_bit) == 0) {
      // relaxed (X3): the mark publishes nothing; the select's withdrawal synchronizes with
      // us through the channel we came from before it polls again. On failure: the select
      // took a case or started waiting meanwhile; look again.
      if (selected_.compare_exchange_weak(seen, seen | dirty_bit, std::memory_order_relaxed,
                                          sync::retry_on_failure)) {
        break;
      }
      if (seen == waiting) return claim(index);  // it started waiting: claim it after all
    }
    return false;
  }

  // claim() for a party that would otherwise wait anyway (a blocked operation that drew the
  // position of the select's case): while the select is enlisting — usually for well under a
  // microsecond — it spins for a bounded time (detail/backoff.hpp) for the select to start
  // waiting, and claims it then, instead of marking it at once and sending both to start over.
  // A try operation must not wait, and uses claim().
  bool claim_patiently(std::uint32_t index) noexcept {
    backoff<B> patience;
    // relaxed (X3): only a look; the claim that follows is the arbiter.
    while ((selected_.load(std::memory_order_relaxed) & enlisting_bit) != 0 && patience.snooze()) {
    }
    return claim(index);
  }

  // The select decides for case `index` itself while enlisting: nobody else can (X1).
  void take(std::uint32_t index) noexcept {
    // relaxed (X3): an arbiter's value; a claimer that reads it fails, as after a claim.
    selected_.store(index + 1, std::memory_order_relaxed);
  }

  // Whether a claimer left the dirty mark while the select was enlisting.
  bool dirty() const noexcept {
    // relaxed (X3): the poll that follows synchronizes through the withdrawal.
    return (selected_.load(std::memory_order_relaxed) & dirty_bit) != 0;
  }

  // The select starts registering a case (enlisting): from now until release() no claim
  // decides it. False if a claim already did: the select waits for its outcome.
  bool hold() noexcept {
    std::uint32_t expected = waiting;
    // relaxed (X3): publishes nothing. relaxed on failure: another case won.
    return selected_.compare_exchange_strong(expected, enlisting_bit, std::memory_order_relaxed,
                                             sync::retry_on_failure);
  }

  // The case is registered: claims decide again. False if a claimer left the dirty mark
  // meanwhile (it treated one of the select's waiters as gone): the select, still its own,
  // takes itself (take(aborted)) and polls again.
  bool release() noexcept {
    std::uint32_t expected = enlisting_bit;
    // relaxed (X3): publishes nothing; the records were published by each channel's link.
    // relaxed on failure: the mark is there.
    return selected_.compare_exchange_strong(expected, waiting, std::memory_order_relaxed,
                                             sync::retry_on_failure);
  }

  // The select stops accepting claims; true if no channel had claimed it first.
  bool abort() noexcept { return claim(aborted); }

  // The case that won (its index), `aborted`, or `waiting` (also while enlisting).
  std::uint32_t selected() const noexcept {
    // relaxed (X3): after wait() the parker's acquire (X2) already ordered the claim before
    // this load; a watched poll only asks whether it was claimed.
    const std::uint32_t s = selected_.load(std::memory_order_relaxed);
    return s == waiting || (s & enlisting_bit) != 0 ? waiting : s - 1;
  }

  // The winner wakes the select (once, after its claim() returned true).
  void wake(wake_kind kind) noexcept { park_.unpark(static_cast<std::uint32_t>(kind) + 1); }

  // The outcome the winner delivered (X2).
  wake_kind wait() noexcept { return static_cast<wake_kind>(park_.park() - 1); }

 private:
  // Above every case index + 1 and aborted + 1.
  static constexpr std::uint32_t enlisting_bit = 1u << 30;
  static constexpr std::uint32_t dirty_bit = 1u << 29;

  typename B::template atomic<std::uint32_t> selected_{waiting};
  parker<B> park_;
};

}  // namespace csp::detail
