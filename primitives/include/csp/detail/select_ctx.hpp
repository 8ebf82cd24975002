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
// found a case ready while registering, or it completed one directly.
//
// Lifetime: the context lives in the select's stack frame. Each channel guarantees that once
// the select has withdrawn its waiter from it, nobody touches the context through that channel
// any more (the mutex-based channel: the withdrawal takes its mutex; the lock-free one: the
// withdrawal waits out a claimer that holds the waiter's cell; a watch list: its mutex). The
// winner's wake is covered by the parker's own protocol (detail/parker.hpp).
//
// Synchronization contract
//   X1  claim() succeeds for exactly one caller per round (compare-exchange on one word).
//   X2  Everything the winner did before wake() happens-before wait() returns its outcome
//       (the parker's P1/P2).
//   X3  claim() and selected() order nothing; the word is only an arbiter (X1). A claimer that
//       reads the select's registration (its waiter records) does so after the select wrote
//       them because each channel publishes the record itself (its mutex, or a release link
//       compare-exchange in the lock-free rendezvous). A select learns what its winner did
//       only through the parker (X2): after wait(), or, for a watched poll that finds itself
//       claimed, not at all — it polls again with seq_cst loads, and the watch list's mutex
//       (which the claimer held while claiming and waking) is taken again by the withdrawal
//       before the context dies. A relaxed load can read exactly the values an acquire load
//       can; only the synchronization after the read is dropped, and nothing uses it. (The
//       order matrix weakened claim() to release and to acquire, and selected() to relaxed:
//       no model failed.)
//
// Incorrect alternative (mutant select_claim_not_exclusive): "check, then set" with a load and
// a store. Two channels can both see `waiting` and both complete their case: a value sent to
// one case is received while another case's value is also taken — the models' exactly-once
// assertion fails.
#pragma once

#include <chrono>
#include <cstdint>

#include "csp/detail/parker.hpp"
#include "csp/sync/backend.hpp"

namespace csp::detail {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct select_claim_not_exclusive {};
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
  claimed,  // another case claimed the select meanwhile: it waits for that outcome
  done,     // this case completed during registration (the select claimed itself for it)
};

template <class B>
class select_ctx {
 public:
  static constexpr std::uint32_t waiting = 0;
  static constexpr std::uint32_t aborted = 0xFFFFFFu;  // the select claimed itself to leave

  select_ctx() = default;
  select_ctx(const select_ctx&) = delete;
  select_ctx& operator=(const select_ctx&) = delete;

  // Claims the select for case `index` (< aborted); true for exactly one caller (X1).
  bool claim(std::uint32_t index) noexcept {
    if constexpr (sync::planted<B, mutation::select_claim_not_exclusive>) {
      // The planted bug: look, then write — two claimers can both see `waiting`.
      // relaxed: as the real claim; only the exclusivity is lost.
      if (selected_.load(std::memory_order_relaxed) != waiting) return false;
      B::yield();  // widens the window so that real threads (proptests/) fall into it too
      selected_.store(index + 1, std::memory_order_relaxed);  // relaxed: as above
      return true;
    }
    std::uint32_t expected = waiting;
    // relaxed (X3): the compare-exchange's atomicity is the exclusivity (X1); it publishes
    // nothing. relaxed on failure: another case won, the caller treats the waiter as gone and
    // touches nothing of it.
    return selected_.compare_exchange_strong(expected, index + 1, std::memory_order_relaxed,
                                             sync::retry_on_failure);
  }

  // The select stops accepting claims; true if no channel had claimed it first.
  bool abort() noexcept { return claim(aborted); }

  // The case that won (its index), `aborted`, or `waiting`.
  std::uint32_t selected() const noexcept {
    // relaxed (X3): after wait() the parker's acquire (X2) already ordered the claim before
    // this load; a watched poll only asks whether it was claimed.
    const std::uint32_t s = selected_.load(std::memory_order_relaxed);
    return s == waiting ? waiting : s - 1;
  }

  // The winner wakes the select (once, after its claim() returned true).
  void wake(wake_kind kind) noexcept { park_.unpark(static_cast<std::uint32_t>(kind) + 1); }

  // The outcome the winner delivered (X2).
  wake_kind wait() noexcept { return static_cast<wake_kind>(park_.park() - 1); }

 private:
  typename B::template atomic<std::uint32_t> selected_{waiting};
  parker<B> park_;
};

}  // namespace csp::detail
