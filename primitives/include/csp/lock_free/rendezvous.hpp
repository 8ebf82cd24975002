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
//     rdv_link_ignores_close);
//   * a select arriving at a waiting party that completes the transfer without first claiming
//     its own context: another of its cases may have been claimed meanwhile, and both commit —
//     a sent value lost (mutant rdv_select_skips_own_claim).
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "csp/detail/channel_transfer.hpp"
#include "csp/detail/eventcount.hpp"
#include "csp/detail/parker.hpp"
#include "csp/detail/select_ctx.hpp"
#include "csp/detail/watch_list.hpp"
#include "csp/errors.hpp"
#include "csp/lock_free/ring.hpp"
#include "csp/sync/backend.hpp"

namespace csp::lock_free {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct rdv_relaxed_link {};
struct rdv_link_ignores_close {};
struct rdv_select_skips_own_claim {};
}  // namespace mutation

template <class T, class B>
class rendezvous {
  using source = csp::detail::source<T>;
  using sink = csp::detail::sink<T>;

  static constexpr std::uint64_t closed_bit = std::uint64_t{1} << 63;
  static constexpr std::uint32_t cells = B::rendezvous_cells;  // W

  enum state : std::uint32_t { empty = 0, tx = 1, rx = 2, busy = 3, skip = 4, sealed = 5 };
  // retry_out: the party's partner position is gone (its drawer left: a select that another
  // case claimed, or a transfer that threw); draw a new position.
  enum outcome : std::uint32_t { done = 1, closed_out = 2, retry_out = 3 };

  struct waiter {
    csp::detail::parker<B> park;  // a plain operation sleeps here
    const source* src = nullptr;  // a waiting sender's value
    sink* dst = nullptr;          // a waiting receiver's destination
    // A select's case (csp/select.hpp): whoever meets this waiter must first win the select's
    // claim, and wakes the select's context instead of `park`.
    csp::detail::select_ctx<B>* sel = nullptr;
    std::uint32_t case_index = 0;
  };

  // How meet() ended.
  enum class met { ok, lost_cell, partner_gone, self_claimed };

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

  // A select's case on this channel: a waiter linked in a cell like a blocked operation's, or
  // (when the cell it would draw is still in use, or another case of the same select already
  // waits in this channel) a watcher.
  struct select_entry {
    waiter w;
    std::uint64_t p = 0;
    bool linked = false;
    typename csp::detail::watch_list<B>::watcher watch;
    bool watching = false;
  };

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
    watch_.notify_all();
  }

  // ---- select (csp/select.hpp) -------------------------------------------------------------

  // Registers a select's case (e.w.sel, case_index and src or dst set): draws a position and
  // meets the party waiting there or links e.w in its cell, like a blocked operation, except
  // that it claims the select before completing anything and never waits for a cell: if the
  // next position's cell is still in use, or `watch_only` (the select already has a case
  // waiting in this channel, which must not meet its own select), it watches the channel
  // instead. `ignore`: the position of that other case, if it is linked.
  csp::detail::enlisted enlist(select_entry& e, bool watch_only, std::uint64_t ignore) {
    const std::uint32_t my_state = e.w.src != nullptr ? tx : rx;
    const std::uint32_t their_state = my_state == tx ? rx : tx;
    auto& mine = my_state == tx ? S_ : R_;
    while (!watch_only) {
      // relaxed: only a candidate. The draw is the seq_cst compare-exchange below, which fails
      // unless cur is still the counter's value (a stale read costs a retry); a closed bit
      // read here is a close that did happen.
      std::uint64_t cur = mine.load(std::memory_order_relaxed);
      if ((cur & closed_bit) != 0) return csp::detail::enlisted::ready;  // closed: poll again
      cell& c = cell_of(cur);
      // relaxed: only decides whether to draw; after the draw the loop below re-reads the word
      // with acquire (it cannot read an older value than this one), which is what pairs with
      // the previous lap's free. A stale "in use" only makes the select watch instead.
      std::uint64_t w = c.word.load(std::memory_order_relaxed);
      if (!at(w, cur)) break;  // the previous lap still uses the cell: watch instead
      // seq_cst: a draw, ordered with close's K1 and its read of R (see close()). Drawing only
      // a position whose cell is free means the select never waits for a cell. relaxed on
      // failure: another party drew it; look again.
      if (!mine.compare_exchange_strong(cur, cur + 1, std::memory_order_seq_cst,
                                        sync::retry_on_failure)) {
        continue;
      }
      const std::uint64_t p = cur;
      if (closed_now()) {  // drawn before the close took effect: as in blocking()
        seal(p);
        return csp::detail::enlisted::ready;
      }
      for (;;) {
        // acquire: pairs with the partner's link (L1), a skip mark, or a seal.
        w = c.word.load(std::memory_order_acquire);
        if (!at(w, p)) break;  // defensive: our cell cannot move on without us; draw again
        const std::uint32_t st = state_of(w);
        if (st == their_state) {
          const met m = meet(p, w, e.w.src, e.w.dst, empty, e.w.sel, e.w.case_index);
          if (m == met::ok) return csp::detail::enlisted::done;
          if (m == met::self_claimed) return csp::detail::enlisted::claimed;
          if (m == met::partner_gone) break;  // the cell is freed: draw again
          continue;
        }
        if (st == skip) {
          free_cell(p);
          break;
        }
        if (st == sealed) return csp::detail::enlisted::ready;
        if (st == busy) {
          B::yield();
          continue;
        }
        c.who[slot_of(my_state)].with_mut([&](waiter*& who) { who = &e.w; });
        // seq_cst: as the blocking link (L1, L2). (Mutant: rdv_relaxed_link.)
        if (!c.word.compare_exchange_strong(
                w, make_word(p, my_state),
                sync::order<B, mutation::rdv_relaxed_link>(std::memory_order_seq_cst),
                sync::retry_on_failure)) {
          continue;
        }
        e.p = p;
        e.linked = true;
        // seq_cst (L3): as in blocking().
        links_.fetch_add(1, std::memory_order_seq_cst);
        if (closed_now()) seal(p);  // (L2): seal claims the select for this case, closed
        watch_.notify_all();
        return csp::detail::enlisted::waiting;
      }
    }
    e.watching = true;
    watch_.add(e.watch);
    return watch_ready(my_state, watch_only, ignore) ? csp::detail::enlisted::ready
                                                     : csp::detail::enlisted::waiting;
  }

  // Withdraws a select's case. Returns when nobody touches e any more.
  void delist(select_entry& e) {
    if (e.watching) {
      watch_.remove(e.watch);
      e.watching = false;
    }
    if (!e.linked) return;
    e.linked = false;
    cell& c = cell_of(e.p);
    for (;;) {
      // acquire: pairs with the release store (free, skip, seal) of whoever held our cell
      // busy: its reads of e.w come before it.
      std::uint64_t w = c.word.load(std::memory_order_acquire);
      if (!at(w, e.p)) return;  // met (or found gone) and freed
      const std::uint32_t st = state_of(w);
      if (st == busy) {  // a claimer is reading e.w: wait for it to let go of the cell
        B::yield();
        continue;
      }
      if (st != tx && st != rx) return;  // skip or sealed: the claimer is done with e.w
      // relaxed: withdrawing publishes nothing; the drawer of p on the other side frees the
      // cell. relaxed on failure: a claimer took the cell; look again.
      if (c.word.compare_exchange_strong(w, make_word(e.p, skip), std::memory_order_relaxed,
                                         sync::retry_on_failure)) {
        return;
      }
    }
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
    watch_.notify_all();  // a watching select may draw this cell's position now
  }

  // Moves the value between the two parties: `mine` is the arriving operation's own record.
  static void transfer(const source* src, sink* dst, waiter& partner) {
    if (src != nullptr) {
      partner.dst->put(*src);  // we send into the waiting receiver's destination
    } else {
      dst->put(*partner.src);  // we receive from the waiting sender's argument
    }
  }

  // Wakes a party whose claim we hold: a plain operation through its parker, a select through
  // its context.
  static void wake(waiter& party, std::uint32_t o) noexcept {
    if (party.sel == nullptr) {
      party.park.unpark(o);
    } else {
      party.sel->wake(o == done         ? csp::detail::wake_kind::done
                      : o == closed_out ? csp::detail::wake_kind::closed
                                        : csp::detail::wake_kind::retry);
    }
  }

  // Leaves cell p after we held it busy: freed for the next lap if we drew p (`after` empty),
  // or marked skip for the drawer of p on our side (a try operation).
  void leave(std::uint64_t p, std::uint32_t after) noexcept {
    if (after == skip) {
      // release: the drawer of this position reads the skip with acquire and frees the cell;
      // a select withdrawing its waiter from p waits for it (our reads of the record first).
      cell_of(p).word.store(make_word(p, skip), std::memory_order_release);
    } else {
      free_cell(p);
    }
  }

  // Claims the waiting party in cell p (word w), transfers, frees or marks the cell, and wakes
  // the party. `self`: the arriving select's context (null for a plain operation).
  met meet(std::uint64_t p, std::uint64_t w, const source* src, sink* dst, std::uint32_t after,
           csp::detail::select_ctx<B>* self, std::uint32_t self_index) {
    cell& c = cell_of(p);
    std::uint64_t expected = w;
    // relaxed: every caller found `w` with an acquire (or seq_cst) load of this word, which
    // read the waiter's release link (L1) and so already made its record visible; succeeding,
    // this compare-exchange reads that same link (a later write would not equal w). The claim
    // needs only its atomicity (I2). relaxed on failure: another claimer, close or a timeout
    // won.
    if (!c.word.compare_exchange_strong(expected, make_word(p, busy), std::memory_order_relaxed,
                                        sync::retry_on_failure)) {
      return met::lost_cell;
    }
    waiter* partner = c.who[slot_of(state_of(w))].with([](waiter* const& who) { return who; });
    if (partner->sel != nullptr && !partner->sel->claim(partner->case_index)) {
      leave(p, after);  // a select that completed another case: its position is spent
      return met::partner_gone;
    }
    // The planted bug: an arriving select completes here although another case claimed it.
    if (self != nullptr && !sync::planted<B, mutation::rdv_select_skips_own_claim> &&
        !self->claim(self_index)) {
      // We are a select that another case claimed meanwhile: our position p is spent, so the
      // partner draws again.
      leave(p, after);
      wake(*partner, retry_out);
      return met::self_claimed;
    }
    try {
      transfer(src, dst, *partner);
    } catch (...) {
      if (after == skip && partner->sel == nullptr) {
        // A try operation: the plain waiter stays, for the drawer of p. release: its record
        // goes back as it was (I3).
        c.word.store(w, std::memory_order_release);
        // seq_cst: a close that swept this cell while it was busy could not cancel it.
        if ((S_.load(std::memory_order_seq_cst) & closed_bit) != 0) seal(p);
      } else {
        // Our side of p leaves with the exception (we drew it), or the select's claim is
        // spent: either way the partner draws again.
        leave(p, after);
        wake(*partner, retry_out);
      }
      throw;
    }
    leave(p, after);
    wake(*partner, done);  // release (parker P1, context X2): the transfer is visible to it
    return met::ok;
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
          if (meet(p, w, src, dst, skip, nullptr, 0) == met::ok) {
            sweep(mine, p);
            return status::ok;
          }
          lagging = true;  // lost a race for it, or it was a select gone elsewhere: look again
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
        // seq_cst: the acquire half as in meet() (the record is read below); seq_cst as K2.
        // Through busy, so that a select withdrawing this waiter waits until we are done with
        // its record. relaxed on failure: re-examine.
        if (c.word.compare_exchange_strong(w, make_word(p, busy), std::memory_order_seq_cst,
                                           sync::retry_on_failure)) {
          waiter* partner = c.who[slot_of(st)].with([](waiter* const& who) { return who; });
          const bool ours = partner->sel == nullptr || partner->sel->claim(partner->case_index);
          // seq_cst: the release half carries the close (seen by whoever seals, closer or
          // linker) to a party that later finds `sealed` here and returns closed (S4); seq_cst
          // as N1 of cell_freed_, whose waiters re-check this word.
          c.word.store(make_word(p, sealed), std::memory_order_seq_cst);
          if (ours) wake(*partner, closed_out);
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
        return;  // busy (its holder completes the pair, or seals, or frees), skip, sealed
      }
    }
  }

  // Whether a watching select should poll again: the channel is closed, a partner waits (not
  // at `ignore`, the select's own other case), or (unless `watch_only`) the cell of the next
  // position is free to draw. seq_cst loads: the re-check C of detail/watch_list.hpp.
  bool watch_ready(std::uint32_t my_state, bool watch_only, std::uint64_t ignore) noexcept {
    if (closed_now()) return true;
    const std::uint32_t their_state = my_state == tx ? rx : tx;
    auto& mine = my_state == tx ? S_ : R_;
    auto& theirs = my_state == tx ? R_ : S_;
    // seq_cst: as in try_pair().
    const std::uint64_t lo = mine.load(std::memory_order_seq_cst) & ~closed_bit;
    const std::uint64_t hi = theirs.load(std::memory_order_seq_cst) & ~closed_bit;  // as above
    for (std::uint64_t p = lo; p < hi; ++p) {
      if (p == ignore) continue;
      // seq_cst: the re-check of a link (L1) that the notify may have missed.
      const std::uint64_t w = cell_of(p).word.load(std::memory_order_seq_cst);
      if (at(w, p) && state_of(w) == their_state) return true;
    }
    // seq_cst: the re-check of a free (free_cell) that the notify may have missed.
    return !watch_only && at(cell_of(lo).word.load(std::memory_order_seq_cst), lo);
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
          const met m = meet(p, w, src, dst, empty, nullptr, 0);
          if (m == met::ok) return status::ok;
          if (m == met::partner_gone) break;  // a select gone elsewhere; cell freed: draw again
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
        watch_.notify_all();  // a watching select may pair with us now
        const std::uint32_t o = await(p, me, how, deadline);
        if (o != retry_out)
          return o == done ? status::ok : o == closed_out ? status::closed : status::timeout;
        me.park.reset();  // our partner's drawer left (it told us so): draw again
        break;
      }
    }
  }

  // Sleeps until our waiter at p is claimed: its outcome, or 0 if the deadline passed and we
  // withdrew.
  template <class Deadline>
  std::uint32_t await(std::uint64_t p, waiter& me, op_mode how, const Deadline& deadline) {
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
            return 0;
          }
          o = me.park.park(false);
        }
      }
    }
    if (o == 0) o = me.park.park();
    return o;
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
  csp::detail::watch_list<B> watch_;
};

}  // namespace csp::lock_free
