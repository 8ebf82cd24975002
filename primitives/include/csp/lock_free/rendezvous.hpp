// csp/lock_free/rendezvous.hpp — the unbuffered flavor of the lock-free channel (capacity 0).
//
// A send completes only when a receiver takes its value. Blocked operations wait in a ring of
// cells, one per position: senders take positions from a counter S, receivers from R, and the
// sender and the receiver that get the same position meet in its cell. The first to arrive
// links a waiter record that lives on its own stack and sleeps on it (a parker); the second
// claims the cell with one compare-exchange, moves the value straight from the sender's
// argument into the receiver's destination, frees the cell and wakes the first. This is the
// cell protocol of Koval, Alistarh and Elizarov's Kotlin channels, on a ring.
//
// The non-blocking operations claim no position. try_send succeeds only if a receiver is
// already waiting: it scans the receivers' positions [S, R) for a waiting one, oldest first,
// claims its cell and marks it `skip` for the sender that will later draw that position.
// A receiver that has drawn a position but not yet linked its waiter is not waiting yet, so
// `full` is then the right answer — and no try operation ever waits for a preempted peer.
// Symmetrically for try_recv over [R, S).
//
// Synchronization contract (Go's memory model)
//   S1  A send happens-before the receive that takes its value completes.
//   S2  A receive happens-before the send it took from completes.
//   S4  close() happens-before a receive that returns because the channel is closed.
//
// Invariants
//   I1  The cell of position p is used by position p only between the moment both parties of
//       position p - W have left it and the moment it is freed to `empty(p + W)`.
//   I2  A waiter is claimed at most once: by its partner (transfer), by a try operation, by
//       close(), or by itself on timeout — whoever wins the compare-exchange from `waiting`.
//   I3  A cell in `busy` returns to `waiting` only if its transfer threw; then, if the channel
//       was closed meanwhile, the claimer cancels the waiter itself.
//
// State encoding
//   S, R   64 bits: the next position to draw. Bit 63 of S is the closed bit: close() sets it
//          in one step (K1), the operation's linearization point; R has none.
//   word   64 bits per cell: [stamp: low 32 bits of the position][state: 32 bits]:
//          empty, tx (a sender waits), rx (a receiver waits), busy (claimed, value in transit),
//          skip (the party here was served by a try operation or timed out: the other party
//          drawing this position frees the cell and draws again), closed.
//
// Incorrect alternatives (planted mutants the models catch)
//   * linking the waiter with a relaxed compare-exchange: the partner reads the waiter's record
//     (its value or destination) unordered — DATA RACE (mutant rdv_relaxed_link);
//   * close() that cancels only the waiters it sees, without the Dekker re-check by a waiter
//     linking itself concurrently: a waiter sleeps through close — DEADLOCK (mutant
//     rdv_link_ignores_close).
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "csp/detail/channel_transfer.hpp"
#include "csp/detail/eventcount.hpp"
#include "csp/detail/parker.hpp"
#include "csp/errors.hpp"
#include "csp/lock_free/ring.hpp"
#include "csp/sync/backend.hpp"

namespace csp::lock_free {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct rdv_relaxed_link {};
struct rdv_link_ignores_close {};
}  // namespace mutation

template <class T, class B>
class rendezvous {
  using source = csp::detail::source<T>;
  using sink = csp::detail::sink<T>;

  static constexpr std::uint64_t closed_bit = std::uint64_t{1} << 63;
  static constexpr std::uint32_t cells = B::rendezvous_cells;  // W

  enum state : std::uint32_t { empty = 0, tx = 1, rx = 2, busy = 3, skip = 4, sealed = 5 };
  enum outcome : std::uint32_t { done = 1, closed_out = 2 };

  struct waiter {
    csp::detail::parker<B> park;
    const source* src = nullptr;  // a waiting sender's value
    sink* dst = nullptr;          // a waiting receiver's destination
  };

  // One record pointer per kind: the sender and the receiver of a position may both write
  // theirs before their link compare-exchange, and only one of them wins; a shared field would
  // let the loser overwrite the winner's record.
  struct cell {
    typename B::template atomic<std::uint64_t> word{0};
    typename B::template cell<waiter*> who[2] = {typename B::template cell<waiter*>{nullptr},
                                                 typename B::template cell<waiter*>{nullptr}};
  };
  static constexpr unsigned slot_of(std::uint32_t kind) noexcept { return kind == tx ? 0 : 1; }

 public:
  rendezvous() {
    for (std::uint32_t i = 0; i < cells; ++i) {
      // relaxed: construction happens-before any use of the channel.
      ring_[i].word.store(make_word(i, empty), std::memory_order_relaxed);
    }
  }
  rendezvous(const rendezvous&) = delete;
  rendezvous& operator=(const rendezvous&) = delete;

  // Whether close() has taken effect (its K1).
  bool closed() const noexcept { return closed_now(); }

  template <class Deadline>
  status send(const source& src, op_mode how, const Deadline& deadline) {
    if (how == op_mode::poll) return try_pair(&src, nullptr);
    waiter me;
    me.src = &src;
    return blocking(S_, me, tx, rx, how, deadline);
  }

  template <class Deadline>
  status recv(sink& dst, op_mode how, const Deadline& deadline) {
    if (how == op_mode::poll) return try_pair(nullptr, &dst);
    waiter me;
    me.dst = &dst;
    return blocking(R_, me, rx, tx, how, deadline);
  }

  void close() {
    // seq_cst (K1): the close takes effect here, in one step: from now on no send draws a
    // position, and every receiver checks the bit after drawing. Dekker with a linking
    // waiter's re-check (L2): either it sees the bit, or the sweep below sees its link.
    const std::uint64_t before = S_.fetch_or(closed_bit, std::memory_order_seq_cst);
    if ((before & closed_bit) != 0) {
      throw closed_channel_error("csp::channel: close of closed channel");
    }
    const std::uint64_t s = before;
    // seq_cst: after K1 in the total order, so a receiver that draws a position at or past r
    // checks the closed bit after this read and sees it.
    const std::uint64_t r = R_.load(std::memory_order_seq_cst);
    for (std::uint64_t p = s < r ? s : r, end = s < r ? r : s; p != end; ++p) seal(p);
    cell_freed_.notify_all();
  }

 private:
  template <class>
  friend struct models::access;

  static constexpr std::uint64_t make_word(std::uint64_t position, std::uint32_t st) noexcept {
    return (std::uint64_t{static_cast<std::uint32_t>(position)} << 32) | st;
  }
  static constexpr std::uint32_t stamp(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w >> 32);
  }
  static constexpr std::uint32_t state_of(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w);
  }
  static constexpr bool at(std::uint64_t w, std::uint64_t p) noexcept {
    return stamp(w) == static_cast<std::uint32_t>(p);
  }
  bool closed_now() const noexcept {
    // seq_cst: ordered with close's K1 (the only place the closed bit is set).
    return (S_.load(std::memory_order_seq_cst) & closed_bit) != 0;
  }
  cell& cell_of(std::uint64_t p) noexcept { return ring_[p % cells]; }

  // Frees position p's cell for the next lap (I1).
  void free_cell(std::uint64_t p) noexcept {
    // seq_cst: a waiter for this cell re-checks it after prepare() (cell_freed_ eventcount N1);
    // the release half orders our last use of the cell before its next lap's.
    cell_of(p).word.store(make_word(p + cells, empty), std::memory_order_seq_cst);
    cell_freed_.notify_all();
  }

  // Moves the value between the two parties: `mine` is the arriving operation's own record.
  static void transfer(const source* src, sink* dst, waiter& partner) {
    if (src != nullptr) {
      partner.dst->put(*src);  // we send into the waiting receiver's destination
    } else {
      dst->put(*partner.src);  // we receive from the waiting sender's argument
    }
  }

  // Claims the waiting party in cell p (word w, state `theirs`), transfers, frees or marks the
  // cell, and wakes the party. False if it was claimed by someone else first.
  bool meet(std::uint64_t p, std::uint64_t w, const source* src, sink* dst, std::uint32_t after) {
    cell& c = cell_of(p);
    std::uint64_t expected = w;
    // acquire: pairs with the waiter's release link (L1): its record is visible. relaxed on
    // failure: another claimer, close or a timeout won (I2).
    if (!c.word.compare_exchange_strong(expected, make_word(p, busy), std::memory_order_acquire,
                                        sync::retry_on_failure)) {
      return false;
    }
    waiter* partner = c.who[slot_of(state_of(w))].with([](waiter* const& who) { return who; });
    try {
      transfer(src, dst, *partner);
    } catch (...) {
      // release: the waiter's record goes back as it was (I3).
      c.word.store(w, std::memory_order_release);
      // seq_cst: a close that swept this cell while it was busy could not cancel it.
      if ((S_.load(std::memory_order_seq_cst) & closed_bit) != 0) seal(p);
      throw;
    }
    if (after == skip) {
      // release: the drawer of this position reads the skip with acquire and frees the cell.
      c.word.store(make_word(p, skip), std::memory_order_release);
    } else {
      free_cell(p);
    }
    partner->park.unpark(done);  // release (parker P1): the transfer is visible to the waiter
    return true;
  }

  // A non-blocking send (src) or receive (dst): pairs with a party already waiting.
  //
  // The answer `full` / `empty` must hold at one instant, but the scan visits cells one after
  // another while parties link and leave. A double collect makes it exact: every link bumps
  // links_ after it lands; if links_ did not move during a scan that found nobody, the parties
  // waiting when the scan began have all been seen gone, and none arrived since, so nobody is
  // waiting when the scan ends. Otherwise scan again (someone else made progress).
  status try_pair(const source* src, sink* dst) {
    auto& mine = src != nullptr ? S_ : R_;
    auto& theirs = src != nullptr ? R_ : S_;
    const std::uint32_t waiting = src != nullptr ? rx : tx;
    for (;;) {
      // seq_cst (D1): the double collect's first read, in the total order with links (L3).
      const std::uint64_t links_before = links_.load(std::memory_order_seq_cst);
      if (closed_now()) return status::closed;  // a closed answer is final
      // seq_cst: in the total order with the draws.
      const std::uint64_t lo = mine.load(std::memory_order_seq_cst) & ~closed_bit;
      // seq_cst: in the total order with the partners' draws.
      const std::uint64_t hi = theirs.load(std::memory_order_seq_cst) & ~closed_bit;
      bool lagging = false;
      for (std::uint64_t p = lo; p < hi; ++p) {
        // seq_cst: the scan's reads must see every link (L1) that precedes them in S.
        const std::uint64_t w = cell_of(p).word.load(std::memory_order_seq_cst);
        if (!at(w, p)) continue;  // a previous lap still here, or already freed past p
        if (state_of(w) == waiting) {
          if (meet(p, w, src, dst, skip)) {
            sweep(mine, p);
            return status::ok;
          }
          lagging = true;  // lost a race for it: look again
          break;
        }
        if (p == lo && state_of(w) == skip) {
          sweep(mine, p);
          lagging = true;
          break;
        }
      }
      // seq_cst (D2): the double collect's second read.
      if (!lagging && links_.load(std::memory_order_seq_cst) == links_before) {
        return src != nullptr ? status::full : status::empty;
      }
    }
  }

  // Advances our counter over leading skipped positions starting at p, freeing their cells.
  void sweep(typename B::template atomic<std::uint64_t>& mine, std::uint64_t p) noexcept {
    for (;;) {
      // acquire: pairs with the release skip mark.
      const std::uint64_t w = cell_of(p).word.load(std::memory_order_acquire);
      if (!at(w, p) || state_of(w) != skip) return;
      std::uint64_t expected = p;
      // acq_rel: the acquire half orders our free after whoever marked the skip; release for
      // the next drawer. relaxed on failure: a drawer owns p and frees it (or we lag).
      if (!mine.compare_exchange_strong(expected, p + 1, std::memory_order_acq_rel,
                                        sync::retry_on_failure)) {
        return;
      }
      free_cell(p);
      ++p;
    }
  }

  // Cancels the party waiting at p (close), or seals the empty cell so that a party arriving
  // later finds the channel closed.
  void seal(std::uint64_t p) noexcept {
    cell& c = cell_of(p);
    for (;;) {
      // seq_cst (K2): the second half of the Dekker with a linker (L1, L2): a linker whose L2
      // missed the closed bit (K1) linked before this read in the total order, so we see it.
      // (An acquire load may return a stale lap here — Relacy shows the waiter sleeping on.)
      std::uint64_t w = c.word.load(std::memory_order_seq_cst);
      if (!at(w, p)) return;  // a previous lap: its future linker sees the closed bit (L2)
      const std::uint32_t st = state_of(w);
      if (st == tx || st == rx) {
        // seq_cst: the acquire half as in meet() (the record is read below); the release half
        // carries the close (seen by whoever seals, closer or linker) to a party that later
        // finds `sealed` here and returns closed (S4); seq_cst as N1 of cell_freed_, whose
        // waiters re-check this word. relaxed on failure: re-examine.
        if (c.word.compare_exchange_strong(w, make_word(p, sealed), std::memory_order_seq_cst,
                                           sync::retry_on_failure)) {
          waiter* partner = c.who[slot_of(st)].with([](waiter* const& who) { return who; });
          partner->park.unpark(closed_out);
          return;
        }
      } else if (st == empty) {
        // seq_cst: the release half pairs with the acquire load of a party arriving here, which
        // then returns `closed` (S4); seq_cst as N1 of cell_freed_. relaxed on failure: look
        // again.
        if (c.word.compare_exchange_strong(w, make_word(p, sealed), std::memory_order_seq_cst,
                                           sync::retry_on_failure)) {
          return;
        }
      } else {
        return;  // busy (the pair completes first), skip, sealed
      }
    }
  }

  template <class Deadline>
  status blocking(typename B::template atomic<std::uint64_t>& mine, waiter& me,
                  std::uint32_t my_state, std::uint32_t their_state, op_mode how,
                  const Deadline& deadline) {
    const source* src = me.src;
    sink* dst = me.dst;
    bool expired = false;  // the deadline passed while we waited for our cell
    for (;;) {
      // seq_cst: a draw ordered with close's K1 and its read of R (see close()).
      const std::uint64_t drawn = mine.fetch_add(1, std::memory_order_seq_cst);
      if ((drawn & closed_bit) != 0) return status::closed;  // drawn after close: beyond it
      const std::uint64_t p = drawn;
      if (closed_now()) {
        // Drawn before the close took effect, but we leave: the partner of position p may be
        // linked there (both drew p before close, so close's sweep does not cover it), so
        // seal it on our way out — cancelling that partner, or sealing the empty cell for it.
        seal(p);
        return status::closed;
      }
      cell& c = cell_of(p);
      for (;;) {
        // acquire: pairs with the partner's link (L1), a skip mark, or a free.
        std::uint64_t w = c.word.load(std::memory_order_acquire);
        if (!at(w, p) && at(w, p + cells)) break;  // freed past us (defensive): draw again
        if (!at(w, p) && closed_now()) {
          // After close the ring is frozen: a sealed cell is never freed for a later lap, so a
          // party still waiting for one was blocked at close (its partner can no longer come).
          return status::closed;
        }
        if (!at(w, p)) {
          // The previous lap is still using the cell (I1): wait for it. A drawn position must
          // not be abandoned (its partner would wait for us forever), so after the deadline we
          // keep waiting for the cell, untimed, and then withdraw from it.
          if (!expired && !wait_for_cell(p, w, how, deadline)) expired = true;
          if (expired) (void)wait_for_cell(p, w, op_mode::block, deadline);
          continue;
        }
        const std::uint32_t st = state_of(w);
        if (st == their_state) {
          if (meet(p, w, src, dst, empty)) return status::ok;
          continue;
        }
        if (st == skip) {  // the party here left (served by a try operation, or timed out)
          free_cell(p);
          if (expired) return status::timeout;
          break;  // draw again
        }
        if (expired && st == empty) {
          // relaxed: withdrawing publishes nothing; the partner that draws p frees the cell.
          if (c.word.compare_exchange_strong(w, make_word(p, skip), std::memory_order_relaxed,
                                             sync::retry_on_failure)) {
            return status::timeout;
          }
          continue;
        }
        if (st == sealed) return status::closed;
        if (st == busy) {  // a try operation is serving the party here; it marks skip next
          B::yield();
          continue;
        }
        // empty: link our waiter and sleep.
        c.who[slot_of(my_state)].with_mut([&](waiter*& who) { who = &me; });
        // seq_cst (L1, and L2's first half): the release half publishes our record to the
        // claimer's acquire; seq_cst for the Dekker with close (K1). (Mutant: rdv_relaxed_link.)
        if (!c.word.compare_exchange_strong(
                w, make_word(p, my_state),
                sync::order<B, mutation::rdv_relaxed_link>(std::memory_order_seq_cst),
                sync::retry_on_failure)) {
          continue;
        }
        // seq_cst (L3): announces the link to try operations' double collect (D1, D2).
        links_.fetch_add(1, std::memory_order_seq_cst);
        if constexpr (!sync::planted<B, mutation::rdv_link_ignores_close>) {
          // (L2) Dekker with close's K1: if close's sweep missed our link, we see the bit.
          if (closed_now()) seal(p);
        }
        return await(p, me, how, deadline);
      }
    }
  }

  template <class Deadline>
  status await(std::uint64_t p, waiter& me, op_mode how, const Deadline& deadline) {
    std::uint32_t o = 0;
    if constexpr (requires { deadline.time_since_epoch(); }) {
      if (how == op_mode::until) {
        o = me.park.park_until(deadline);
        if (o == 0) {
          // Timed out: withdraw, unless someone claimed us meanwhile (then wait for them).
          cell& c = cell_of(p);
          // relaxed: we only compare against our own link.
          std::uint64_t w = c.word.load(std::memory_order_relaxed);
          const std::uint32_t st = state_of(w);
          const std::uint64_t withdrawn = make_word(p, skip);
          // relaxed: withdrawing publishes nothing; on failure we park for the outcome.
          if (at(w, p) && (st == tx || st == rx) &&
              c.word.compare_exchange_strong(w, withdrawn, std::memory_order_relaxed,  // as above
                                             sync::retry_on_failure)) {
            return status::timeout;
          }
          o = me.park.park(false);
        }
      }
    }
    if (o == 0) o = me.park.park();
    return o == done ? status::ok : status::closed;
  }

  template <class Deadline>
  bool wait_for_cell(std::uint64_t p, std::uint64_t seen, op_mode how, const Deadline& deadline) {
    const std::uint32_t key = cell_freed_.prepare();
    // seq_cst (C): the eventcount re-check against free_cell's and seal's seq_cst writes and
    // close's K1.
    if (cell_of(p).word.load(std::memory_order_seq_cst) != seen || closed_now()) {
      cell_freed_.cancel();
      return true;
    }
    if constexpr (requires { deadline.time_since_epoch(); }) {
      if (how == op_mode::until) return cell_freed_.wait_until(key, deadline);
    }
    cell_freed_.wait(key);
    return true;
  }

  alignas(64) typename B::template atomic<std::uint64_t> S_{0};
  alignas(64) typename B::template atomic<std::uint64_t> R_{0};
  alignas(64) cell ring_[cells];
  csp::detail::eventcount<B> cell_freed_;
  typename B::template atomic<std::uint64_t> links_{0};
};

}  // namespace csp::lock_free
