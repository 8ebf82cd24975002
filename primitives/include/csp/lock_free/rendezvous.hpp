// csp/lock_free/rendezvous.hpp — the unbuffered flavor of the lock-free channel (capacity 0).
//
// A send completes only when a receiver takes its value. Blocked operations wait in a ring of
// cells, one per position: senders take positions from a counter S, receivers from R, and the
// sender and the receiver that get the same position meet in its cell. The first to arrive
// writes what its partner needs into the cell (its value's source, or its destination, and a
// pointer to its record on its own stack) and links itself with one compare-exchange; the
// second claims the cell with one compare-exchange, moves the value straight from the
// sender's argument into the receiver's destination and frees the cell. This is the cell
// protocol of Koval, Alistarh and Elizarov's Kotlin channels, on a ring.
//
// How the first learns that it was served: from its record's parker (detail/parker.hpp),
// which it watches for a bounded spin and then sleeps on. The claimer finds the record's
// address in the cell, moves the value and publishes the outcome there. A small value lands
// in the receiver's record itself, beside the parker (`landing`), so a hand-off to a waiting
// receiver moves three lines in all: the cell to the claimer, the record to the claimer and
// back. The waiter never reads its cell while it waits, so it never takes the cell's line
// back from a claimer in mid-transfer. A plain waiter's state (tx, rx) tells the claimer
// that no select stands between them; a select's case (tx_sel, rx_sel) must be claimed
// through its select first.
// (History, ping-pong at capacity 0 on this machine: sleeping on the parker at once, with the
// claimer reading the record and writing a destination elsewhere, cost about 320 ns; watching
// the cell's word for the free, 242-273 ns; the landing record, see docs/channel.md.)
//
// Landing in the cell (cells_land: small values whose moves cannot throw). A plain receiver
// that waits untimed links as rx_spin and, while it spins, watches its cell's word instead of
// its parker. A plain sender that drew the position claims the cell (busy), writes its value
// into the cell's slot and marks it `landed`; the receiver claims the landed cell, takes the
// value and frees the cell. The hand-off then moves one line, the cell's, to the sender and
// back (ping-pong at capacity 0: 0.89 of the record's time, docs/channel.md). The receiver
// holds the cell until it runs, so a drawer of the next lap that finds the cell still landed
// evicts the value into the receiver's landing record and wakes it there (evict(), I6). When
// its spin runs out the receiver turns rx_spin into rx and sleeps on its parker; any other
// claimer (a try operation, a select, close) serves an rx_spin receiver through its record.
// (The value cannot be written before the claim, which would save a step: the sender does
// not know, before its compare-exchange, that no earlier lap still holds a value in the
// slot. Measured as an upper bound: 0.80 of the record's time.)
//
// The non-blocking operations claim no position. try_send succeeds only if a receiver is
// already waiting: it scans the receivers' positions [S, R) for a waiting one, oldest first,
// claims its cell and marks it `skip` for the sender that will later draw that position.
// A receiver that has drawn a position but not yet linked its waiter is not waiting yet, so
// `full` is then the right answer — and no try operation ever waits for a preempted peer.
// Symmetrically for try_recv over [R, S). A select's case draws a position like a blocked
// operation, but only while its select is enlisting (detail/select_ctx.hpp): no other case
// can win the select meanwhile, so a case that meets a waiting party always completes with it.
// (A select that could lose after drawing would have to send the party back to draw again,
// and until it linked anew a try operation would answer `full` while it had waited all along:
// ch.lin.select_loser, docs/channel.md.)
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
//   I4  Whoever claims a waiter (I2) delivers exactly one outcome to its record's parker,
//       after its last access to the value and to the record's other fields.
//   I5  A timed operation draws only a position whose cell is free (draw_when_free()): it
//       waits for the cell with its deadline before drawing, never after, so it can always
//       leave at its deadline. Until 2026-12-01 it drew first, and if an earlier lap still held
//       the cell, waited past its deadline, untimed, for the cell to be freed: with 32 (W)
//       untimed receivers blocked, a try_recv_for waited until a sender came; and a receiver
//       whose try_recv_for kept timing out on a channel nobody sent on filled the cells with
//       its withdrawals (skip, freed only when the other side draws the position) and hung
//       at its 33rd call, for ever. (The model checker cannot tell a wait past a deadline from
//       one that timed out early: the channel tests check it in real time.)
//   I6  A `landed` cell is claimed once, by its receiver or by one evictor (a drawer of a later
//       lap, which needs the cell): whoever claims it moves the value out, and frees the cell.
//       The value reaches the receiver either way: in its destination, or in its record with
//       the outcome `done` on its parker.
//
// State encoding
//   S, R   64 bits: [cut: 1 bit][the next position to draw: 63 bits]. close() sets the cut bit
//          of R (K2), then of S (K3, the close's linearization point); whoever sets one
//          publishes the counter's value at that moment (its snapshot). A draw's result says on
//          which side of its counter's cut it drew, in the same step, with no line of the other
//          side read. A position both sides drew before their cuts completes, close or not; one
//          drawn by one side only is sealed (by close(), the late drawer, or the linker's
//          re-check L2). Anyone about to answer `closed` first makes sure K3 has happened
//          (cut_counters() helps), so every such answer comes after the linearization point.
//   closed 32 bits, 0 or 1: which close() wins (K1; a second one throws), and a cheap early
//          look for try operations and selects. Its own cache line, with the snapshots.
//   word   64 bits per cell: [stamp: low 32 bits of the position][state: 32 bits]:
//          empty; tx, rx (a plain sender, receiver waits; its record's parker gets the
//          outcome); tx_sel, rx_sel (a select's case waits); busy (claimed, value in
//          transit); skip (the party here was served by a try operation or timed out: the
//          other party drawing this position frees the cell and draws again, or a sweep
//          draws it for that party and frees it: W in withdrawn()); sealed (closed);
//          rx_spin (a plain receiver waits, watching this word: a plain sender that drew the
//          position lands its value in the cell; anyone else serves it through its record, as
//          rx); landed (a value waits in the cell for its receiver, I6).
//
// Incorrect alternatives (planted mutants the models catch)
//   * linking the waiter with a relaxed compare-exchange: the partner reads the waiter's record
//     (its value or destination) unordered — DATA RACE (mutant rdv_relaxed_link);
//   * close() that cancels only the waiters it sees, without the Dekker re-check by a waiter
//     linking itself concurrently: a waiter sleeps through close — DEADLOCK (mutant
//     rdv_link_ignores_close);
//   * a closed flag read after the draw (as this channel had until 2026-11-29): a drawer cannot
//     tell whether it drew before the close, so it must leave even a partner that waited
//     since before it, and a try operation that passed over that partner (its position
//     already drawn) answered `full` while it waited — the linearizability model's
//     exactness check finds it in ch.lin.leaving_receiver (mutant
//     rdv_closed_flag_after_draw);
//   * sending a party back to draw again (a transfer threw) with the outcome `done` instead of
//     `retry`, as if the free of its cell meant "served" (the watched-cell protocol of
//     2026-11-29 read it so): a sender returns as if its value had been taken, or a receiver
//     with none (mutant rdv_send_back_frees);
//   * a select that, marked by a claimer while enlisting, gives back the partner it drew
//     instead of completing with it (it will poll again anyway): until the partner links
//     anew, a try operation answers `full` while it has waited all along — the exactness
//     check finds it in ch.lin.select_loser (mutant rdv_dirty_select_gives_back);
//   * a try operation that looks only for plain waiters, not selects' cases: try_send says
//     `full` while a select waits to receive, where Go's would pair with it — the select
//     model's try_send_finds_select fails (mutant rdv_try_ignores_selects);
//   * the double collect's second read (D2) at acquire instead of seq_cst: it can miss a link
//     that lands while the scan passes, and a try operation answers `full` while a receiver
//     waits — the linearizability model's exactness check rejects it in
//     ch.lin.leaving_receiver (mutant rdv_try_collect_acquire);
//   * a try operation whose collect found nobody answering `full` without reading the closed
//     flag again (D3), as this channel did until 2026-11-30: a close that took effect during
//     the scan cancelled a waiter it passed, which waited until the close — the exactness
//     check, given the close's effect stamp, rejects it in ch.lin.3threads.unbuffered.try
//     (mutant rdv_try_misses_close).
//   * the landing store (N1), or the watching receiver's load of it (N3), relaxed: the
//     receiver reads the landed value unordered with its write — DATA RACE (mutants
//     rdv_relaxed_landed, rdv_landing_load_relaxed);
//   * an eviction's claim (N2) relaxed: a timed sender, whose look at the cell was relaxed,
//     reads the value and the receiver's record unordered — DATA RACE in chan.timed_evictor
//     (mutant rdv_relaxed_evict);
//   * an eviction that looks, then stores `busy`, instead of one compare-exchange; or a
//     receiver that takes its landed value before it claims the cell: the receiver and the
//     evictor both move the value — DATA RACE in chan.mpsc.one_cell (mutants
//     rdv_evict_unclaimed, rdv_take_before_claim).
//   * a try operation reading its own counter (lo) or its partners' (hi) relaxed: a cut bit it
//     reads there is its answer `closed`, which then comes unordered with what preceded
//     close() (Go: a close happens before a receive that returns because the channel is
//     closed) — Relacy reports a DATA RACE in chan.try_recv_at_close.cap0 (mutants
//     rdv_try_lo_relaxed, rdv_try_hi_relaxed).
//   * the scan's load relaxed: a waiter found there is claimed and its record read with no
//     happens-before from its link — Relacy reports a DATA RACE (mutant rdv_try_scan_relaxed).
//   * a link's announcement (L3) acq_rel instead of seq_cst, in blocking() or in enlist(): the
//     double collect's seq_cst reads need not read an increment outside the total order, so a
//     try operation that starts after the link counts the same stale number twice, misses the
//     link in its scan, and answers `full` / `empty` while the party waits — the exactness
//     check rejects ch.lin.try_ops.unbuffered and ch.lin.select_waiter (mutants
//     rdv_link_announce_acq_rel, rdv_enlist_announce_acq_rel).
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "csp/detail/backoff.hpp"
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
struct rdv_send_back_frees {};
struct rdv_try_ignores_selects {};
struct rdv_try_collect_acquire {};
struct rdv_closed_flag_after_draw {};
struct rdv_dirty_select_gives_back {};
struct rdv_relaxed_delist {};
struct rdv_try_misses_close {};
struct rdv_try_lo_relaxed {};
struct rdv_try_hi_relaxed {};
struct rdv_try_scan_relaxed {};
struct rdv_link_announce_acq_rel {};
struct rdv_enlist_announce_acq_rel {};
struct rdv_relaxed_landed {};
struct rdv_relaxed_evict {};
struct rdv_landing_load_relaxed {};
struct rdv_take_before_claim {};
struct rdv_evict_unclaimed {};
}  // namespace mutation

template <class T, class B>
class rendezvous {
  using source = csp::detail::source<T>;
  using sink = csp::detail::sink<T>;

  static constexpr std::uint32_t cells = B::rendezvous_cells;  // W

  // tx / rx: a plain operation waits here. tx_sel / rx_sel: a select's case waits here. Either
  // gets its outcome through its record (`who`). rx_spin: a plain receiver waits here and
  // watches this word (cells_land); landed: a sender left its value in the cell for it.
  enum state : std::uint32_t {
    empty = 0,
    tx = 1,
    rx = 2,
    busy = 3,
    skip = 4,
    sealed = 5,
    tx_sel = 6,
    rx_sel = 7,
    rx_spin = 8,
    landed = 9
  };
  // retry_out: the party's partner position is gone (its drawer left with a transfer that
  // threw); draw a new position.
  enum outcome : std::uint32_t { done = 1, closed_out = 2, retry_out = 3 };

  // A waiting party's record, on its stack. Its claimer writes the parker (and, for a landing
  // receiver, the value beside it); it reads `sel` only for a select's case.
  struct waiter {
    csp::detail::parker<B> park;  // a plain operation sleeps here
    std::uint32_t case_index = 0;
    const source* src = nullptr;  // a waiting sender's value
    sink* dst = nullptr;          // a waiting receiver's destination
    // A select's case (csp/select.hpp): whoever meets this waiter must first win the select's
    // claim, and wakes the select's context instead of `park`.
    csp::detail::select_ctx<B>* sel = nullptr;
    // Claimers use() it as they read the record: the models check that every such read
    // happens-before the record dies (a select's, when its claimer lost the select: delist()).
    [[no_unique_address]] sync::lifetime<B> alive;
  };

  // Small values travel beside the waiting party's parker, on one cache line (32 bytes of
  // record, with the standard backend), so that a hand-off to a waiting party moves its
  // record's line once each way: the claimer fetches it for writing (it prefetches it as it
  // claims the cell), moves the value and publishes the outcome; the party reads it.
  //
  // A receiver's: the value lands here, and the receiver moves it to its destination after.
  // For values whose moves cannot throw (a throwing move would fail after the hand-off).
  struct alignas(64) landing {
    waiter me;
    std::optional<T> value;
  };
  static constexpr bool lands_in_record = std::is_nothrow_move_constructible_v<T> &&
                                          std::is_nothrow_move_assignable_v<T> && sizeof(T) <= 16;
  // A sender's: a copy of its argument, when that is a trivially copyable T (the copy leaves
  // the argument as it was, as the send must if it fails), and the source the claimer reads.
  struct alignas(64) sending {
    explicit sending(const T& v) noexcept : value(v) { me.src = &from; }
    waiter me;
    source from = source::of(value);
    T value;
  };
  static constexpr bool sends_from_record =
      std::is_trivially_copyable_v<T> && std::is_nothrow_copy_constructible_v<T> && sizeof(T) <= 16;
  // (With a real 4-byte futex word, not the model checker's instrumented one.)
  static_assert(sizeof(csp::detail::parker<B>) != 4 ||
                    ((!lands_in_record || sizeof(landing) == 64) &&
                     (!sends_from_record || sizeof(sending) == 64)),
                "a landing record must fit one cache line");

  // Where a value lands when its receiver waits in the cell itself (rx_spin) and a plain
  // sender meets it: in the cell, so that the hand-off moves the cell's line alone — to the
  // sender, which claims the cell, writes the value and marks it `landed`, and back to the
  // receiver, which watches the word, claims the landed cell, takes the value and frees the
  // cell. For values whose moves cannot throw, small enough to keep the cell on one line.
  static constexpr bool cells_land = lands_in_record && sizeof(std::optional<T>) <= 16;
  struct no_landing {};
  using landing_slot =
      std::conditional_t<cells_land, typename B::template cell<std::optional<T>>, no_landing>;

  // How meet() ended.
  enum class met { ok, lost_cell, partner_gone };

  // The fields a waiting party fills in before its link: its record, and what the partner
  // needs for the transfer, so that the claimer finds everything through this line. Of a
  // plain waiter's record it touches one line: a sending record's source and value, a landing
  // record's value, and the parker beside them.
  // One field per kind: the sender and the receiver of a position may both write theirs
  // before their link compare-exchange, and only one of them wins; a shared field would let
  // the loser overwrite the winner's. One cache line per cell: the parties of consecutive
  // positions work on neighbouring cells at the same time.
  struct alignas(64) cell {
    typename B::template atomic<std::uint64_t> word{0};
    typename B::template cell<waiter*> who[2] = {typename B::template cell<waiter*>{nullptr},
                                                 typename B::template cell<waiter*>{nullptr}};
    typename B::template cell<const source*> src{nullptr};  // a waiting sender's value
    typename B::template cell<sink> dst{};                  // a waiting receiver's destination
    [[no_unique_address]] landing_slot land{};              // a landed value (cells_land)
  };
  // (With a real 4-byte futex word, not the model checker's instrumented one.)
  static_assert(sizeof(csp::detail::parker<B>) != 4 || sizeof(cell) == 64,
                "a cell must fit one cache line");
  static constexpr std::uint32_t kind_of(std::uint32_t st) noexcept {
    return st == tx || st == tx_sel ? tx : rx;
  }
  static constexpr std::uint32_t select_of(std::uint32_t kind) noexcept {
    return kind == tx ? tx_sel : rx_sel;
  }
  static constexpr bool waits(std::uint32_t st, std::uint32_t kind) noexcept {
    return st == kind || st == select_of(kind) || (kind == rx && st == rx_spin);
  }
  static constexpr unsigned slot_of(std::uint32_t kind) noexcept {
    return kind_of(kind) == tx ? 0 : 1;
  }

 public:
  rendezvous() {
    for (std::uint32_t i = 0; i < cells; ++i) {
      // relaxed: construction happens-before any use of the channel.
      ring_[i].word.store(make_word(i, empty), std::memory_order_relaxed);
    }
  }
  rendezvous(const rendezvous&) = delete;
  rendezvous& operator=(const rendezvous&) = delete;

  // Whether close() has taken effect (the cut of S, K3).
  bool closed() const noexcept {
    // seq_cst: ordered with the cut of S (K3), the close's linearization point.
    return (S_.load(std::memory_order_seq_cst) & cut_bit) != 0;
  }

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

  // send() and recv() stay out of line: inlined into the channel's dispatch (channel.hpp
  // send_core, recv_core), whose other branch is the ring's, they made the compiler lay out
  // the buffered path worse — ping_pong at capacity 1 lost 20-30% (measured, 2026-11-29).
  template <class Deadline>
  [[gnu::noinline]] status send(const source& src, op_mode how, const Deadline& deadline) {
    if (how == op_mode::poll) return try_pair(&src, nullptr);
    if constexpr (sends_from_record) {
      if (const T* v = src.plain()) {
        sending r(*v);
        return blocking(S_, r.me, tx, rx, how, deadline);
      }
    }
    waiter me;
    me.src = &src;
    return blocking(S_, me, tx, rx, how, deadline);
  }

  template <class Deadline>
  [[gnu::noinline]] status recv(sink& dst, op_mode how, const Deadline& deadline) {
    if (how == op_mode::poll) return try_pair(nullptr, &dst);
    if constexpr (lands_in_record) {
      landing r;
      sink here(r.value);
      r.me.dst = &here;
      const status s = blocking(R_, r.me, rx, tx, how, deadline);
      if (s == status::ok) dst.put(*r.value);
      return s;
    } else {
      waiter me;
      me.dst = &dst;
      return blocking(R_, me, rx, tx, how, deadline);
    }
  }

  void close() {
    // seq_cst (K1): exactly one close() wins the flag; a second one throws, once the first
    // has taken effect (it may still be cutting the counters: it helps).
    if (closed_.exchange(1, std::memory_order_seq_cst) != 0) {
      cut_counters();
      throw closed_channel_error("csp::channel: close of closed channel");
    }
    cut_counters();  // K2, K3: the close takes effect
    // Positions below both snapshots were drawn by both sides before their counters were cut:
    // those pairs complete. Seal the positions drawn by one side only (between the two).
    const std::uint64_t s = snapshot(S_cut_);
    const std::uint64_t r = snapshot(R_cut_);
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
  //
  // While it may draw, the case holds its select's context (detail/select_ctx.hpp): no other
  // case can win the select meanwhile, so a partner met at the drawn position is never given
  // back. A claimer that came during the hold leaves a mark: then the select polls again.
  csp::detail::enlisted enlist(select_entry& e, bool watch_only, std::uint64_t ignore) {
    if (watch_only) return enlist_held(e, true, ignore);  // draws nothing
    csp::detail::select_ctx<B>& sel = *e.w.sel;
    if (!sel.hold()) return csp::detail::enlisted::claimed;
    const csp::detail::enlisted r = enlist_held(e, false, ignore);
    if (r == csp::detail::enlisted::done) return r;  // it took the select (claimed())
    if (!sel.release()) {
      sel.take(csp::detail::select_ctx<B>::aborted);
      return csp::detail::enlisted::restart;
    }
    return r;
  }

 private:
  csp::detail::enlisted enlist_held(select_entry& e, bool watch_only, std::uint64_t ignore) {
    const std::uint32_t my_state = e.w.src != nullptr ? tx : rx;
    const std::uint32_t their_state = my_state == tx ? rx : tx;
    auto& mine = my_state == tx ? S_ : R_;
    while (!watch_only) {
      if (closed_now()) return csp::detail::enlisted::ready;  // closed: poll again
      std::uint64_t p = 0;
      const free_draw d = draw_if_free(mine, p);  // a select never waits for a cell
      if (d == free_draw::cut) return csp::detail::enlisted::ready;  // closed: poll again
      if (d == free_draw::busy) break;  // the previous lap still uses the cell: watch instead
      if (d == free_draw::lost) continue;
      cell& c = cell_of(p);
      std::uint64_t w = 0;
      for (;;) {
        // acquire: pairs with the partner's link (L1), a skip mark, or a seal.
        w = c.word.load(std::memory_order_acquire);
        if (!at(w, p)) break;  // defensive: our cell cannot move on without us; draw again
        const std::uint32_t st = state_of(w);
        if (waits(st, their_state)) {
          const met m = meet(p, w, e.w.src, e.w.dst, empty, e.w.sel, e.w.case_index);
          if (m == met::ok) return csp::detail::enlisted::done;
          if (m == met::partner_gone) {
            // The cell is freed: draw again, unless a claimer came (then poll again).
            if (e.w.sel->dirty()) return csp::detail::enlisted::ready;
            break;
          }
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
        fill(c, e.w);
        // seq_cst: as the blocking link (L1, L2). A select's case is always woken through its
        // record. (Mutant: rdv_relaxed_link.)
        if (!c.word.compare_exchange_strong(
                w, make_word(p, select_of(my_state)),
                sync::order<B, mutation::rdv_relaxed_link>(std::memory_order_seq_cst),
                sync::retry_on_failure)) {
          continue;
        }
        e.p = p;
        e.linked = true;
        // seq_cst (L3): as in blocking(); a select's case announces its link the same way.
        // (acq_rel: mutant rdv_enlist_announce_acq_rel, the exactness check rejects a
        // try_recv's `empty` in ch.lin.select_waiter.)
        constexpr auto l3 = sync::order<B, mutation::rdv_enlist_announce_acq_rel>(
            std::memory_order_seq_cst, std::memory_order_acq_rel);  // acq_rel: the planted bug
        links_.fetch_add(1, l3);
        if (cut(p, my_state)) seal(p);  // (L2): seal claims the select for this case, closed
        watch_.notify_all();
        return csp::detail::enlisted::waiting;
      }
    }
    e.watching = true;
    watch_.add(e.watch);
    return watch_ready(my_state, watch_only, ignore) ? csp::detail::enlisted::ready
                                                     : csp::detail::enlisted::waiting;
  }

 public:
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
      // busy: its reads of e.w come before it, and so before the select returns and e dies —
      // which matters where the claimer lost the select's claim and so never woke it. (Mutant
      // rdv_relaxed_delist: a DATA RACE between the claimer's use of e.w and e's death.)
      constexpr auto seen = sync::order<B, mutation::rdv_relaxed_delist>(std::memory_order_acquire);
      std::uint64_t w = c.word.load(seen);
      if (!at(w, e.p)) return;  // met (or found gone) and freed
      const std::uint32_t st = state_of(w);
      if (st == busy) {  // a claimer is reading e.w: wait for it to let go of the cell
        B::yield();
        continue;
      }
      if (st != tx_sel && st != rx_sel) return;  // skip, sealed: the claimer is done
      // relaxed: withdrawing publishes nothing; the drawer of p on the other side frees the
      // cell. relaxed on failure: a claimer took the cell; look again.
      if (c.word.compare_exchange_strong(w, make_word(e.p, skip), std::memory_order_relaxed,
                                         sync::retry_on_failure)) {
        withdrawn(kind_of(st));
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
    // seq_cst (D): ordered with close's K1 (the only write of the flag) in the total order.
    return closed_.load(std::memory_order_seq_cst) != 0;
  }
  cell& cell_of(std::uint64_t p) noexcept { return ring_[p % cells]; }

  // The close cuts each counter by setting its top bit (K2: R, then K3: S, the close's
  // linearization point): a draw's result says on which side of its counter's cut it drew.
  // Whoever sets a cut bit publishes the counter's value at that moment (its snapshot).
  static constexpr std::uint64_t cut_bit = std::uint64_t{1} << 63;

  // Makes the close take effect, helping a close() that has won the flag but not yet cut both
  // counters: whoever is about to answer `closed` calls it first, so that K3 comes before
  // the answer.
  void cut_counters() noexcept {
    cut_counter(R_, R_cut_, false);  // K2
    cut_counter(S_, S_cut_, true);   // K3
  }
  void cut_counter(typename B::template atomic<std::uint64_t>& counter,
                   typename B::template atomic<std::uint64_t>& snap, bool linearizes) noexcept {
    // relaxed: a cheap look first. Seeing the bit is all a helper needs (the cut is then done,
    // and the snapshot is read by its own loop); a stale clear bit only costs the fetch_or
    // below, which reads the latest value. (The order matrix found no model needing more.)
    if ((counter.load(std::memory_order_relaxed) & cut_bit) != 0) return;
    // seq_cst (K2, K3): in the total order with the draws (which read the bit atomically), a
    // linker's re-check L2 and the sweep's seals in close().
    const std::uint64_t before = counter.fetch_or(cut_bit, std::memory_order_seq_cst);
    if (linearizes && (before & cut_bit) == 0) sync::observe<B>(sync::point::closing);
    // relaxed: the snapshot is written once (0 means not yet) and publishes nothing but its
    // own value, which snapshot()'s load reads by coherence alone.
    if ((before & cut_bit) == 0) snap.store(before + 1, std::memory_order_relaxed);
  }
  // The counter's value when it was cut (its setter publishes it right after the cut).
  std::uint64_t snapshot(typename B::template atomic<std::uint64_t>& snap) noexcept {
    std::uint64_t v = 0;
    // relaxed: see cut_counter(); nothing is read through the snapshot but itself.
    while ((v = snap.load(std::memory_order_relaxed)) == 0) B::yield();
    return v - 1;
  }

  // Whether the close cuts position p, where a party of kind `waiting_kind` drew (before its
  // own counter's cut): p is cut if its partner's counter was cut before reaching p, so the
  // partner draws it after the cut (and leaves), or never. Otherwise both sides drew p before
  // the cuts and the pair completes, close or not: a try operation that passed over its
  // waiter answered exactly.
  bool cut(std::uint64_t p, std::uint32_t waiting_kind) noexcept {
    if constexpr (sync::planted<B, mutation::rdv_closed_flag_after_draw>) {
      if (!closed_now()) return false;  // the planted bug: any position is cut once closed
      cut_counters();
      return true;
    }
    // First the flag (K1 comes before both cuts), on a line nobody writes in steady state: the
    // partner's counter is the line each of its draws writes, and reading it on every link
    // would take it from the other side each time. As L2's second half, this seq_cst load is
    // the Dekker with close: if close's sweep (after K1, K2, K3) missed our link, it sees K1.
    if (!closed_now()) return false;
    auto& partner = waiting_kind == tx ? R_ : S_;
    // seq_cst: ordered after K1; whether the partner's counter is cut yet.
    if ((partner.load(std::memory_order_seq_cst) & cut_bit) == 0) return false;
    cut_counters();  // about to answer closed: the close has taken effect first
    return p >= snapshot(waiting_kind == tx ? R_cut_ : S_cut_);
  }

  // Frees position p's cell for the next lap (I1).
  void free_cell(std::uint64_t p) noexcept {
    // seq_cst: a waiter for this cell re-checks it after prepare() (cell_freed_ eventcount N1);
    // the release half orders our last use of the cell before its next lap's.
    cell_of(p).word.store(make_word(p + cells, empty), std::memory_order_seq_cst);
    cell_freed_.notify_all();
    watch_.notify_all();  // a watching select may draw this cell's position now
  }

  // A waiting party's fields in its cell, written before its link (L1 publishes them).
  static void fill(cell& c, waiter& me) {
    c.who[slot_of(me.src != nullptr ? tx : rx)].with_mut([&](waiter*& who) { who = &me; });
    if (me.src != nullptr) {
      c.src.with_mut([&](const source*& v) { v = me.src; });
    } else {
      c.dst.with_mut([&](sink& d) { d = *me.dst; });
    }
  }

  // Moves the value between the two parties, from the waiting party's fields in cell c: we
  // are the sender (src) or the receiver (dst) arriving.
  static void transfer(cell& c, const source* src, sink* dst) {
    if (src != nullptr) {
      sink to = c.dst.with([](const sink& d) { return d; });
      to.put(*src);  // we send into the waiting receiver's destination
    } else {
      dst->put(*c.src.with([](const source* const& v) { return v; }));  // its argument
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
    return claimed(p, state_of(w), src, dst, after, self, self_index);
  }

  // meet() after its claim: cell p is ours (busy), and a party in state `theirs` waits there.
  // We transfer, wake it through its record (a select's case after winning its select) and
  // leave the cell. `self`: the arriving select's context (null for a plain operation).
  met claimed(std::uint64_t p, std::uint32_t theirs, const source* src, sink* dst,
              std::uint32_t after, csp::detail::select_ctx<B>* self, std::uint32_t self_index) {
    if constexpr (cells_land) {
      // A plain sender that drew p meets a receiver watching its cell: the value lands there.
      if (theirs == rx_spin && after == empty && self == nullptr) return land(p, src);
    }
    cell& c = cell_of(p);
    // Published by the partner's link (L1), which the caller's acquire read.
    waiter* partner = c.who[slot_of(theirs)].with([](waiter* const& who) { return who; });
    partner->alive.use();
    // The record's line holds the parker we write (wake), and a landing receiver's value: fetch
    // it now, while we read the cell (and a select's `sel`). A hint only. For the default
    // x86-64 target this compiles to a read prefetch; B::prefetch_for_write (PREFETCHW), which
    // the ring's senders use, was measured here and did no better (docs/channel_measurements.md,
    // "Tried and dropped (2026-12-01): prefetching for write").
    __builtin_prefetch(partner, 1);
    if (theirs == tx_sel || theirs == rx_sel) {
      // A blocked operation that drew p (after == empty) may wait for an enlisting select;
      // a try operation or another select may not.
      const bool patient = self == nullptr && after == empty;
      if (partner->sel != nullptr && !(patient ? partner->sel->claim_patiently(partner->case_index)
                                               : partner->sel->claim(partner->case_index))) {
        leave(p, after);  // a select that completed another case: its position is spent
        return met::partner_gone;
      }
    }
    if (self != nullptr) {
      // The planted bug: a select that a claimer marked gives the partner it drew back.
      if (sync::planted<B, mutation::rdv_dirty_select_gives_back> && self->dirty()) {
        send_back(p, after, partner);
        return met::partner_gone;
      }
      // An arriving select is still enlisting: no other case can have been claimed, so it
      // takes itself for this one (detail/select_ctx.hpp) and never gives back the partner it
      // drew.
      self->take(self_index);
    }
    try {
      transfer(c, src, dst);
    } catch (...) {
      if (after == skip && (theirs == tx || theirs == rx || theirs == rx_spin)) {
        // A try operation: the plain waiter stays, for the drawer of p. release: the cell
        // goes back as it was (I3).
        c.word.store(make_word(p, theirs), std::memory_order_release);
        // A close that swept this cell while it was busy could not cancel it.
        if (cut(p, kind_of(theirs))) seal(p);
      } else {
        // Our side of p leaves with the exception (we drew it), or the select's claim is
        // spent: either way the partner draws again.
        send_back(p, after, partner);
      }
      throw;
    }
    // release (parker P1, context X2): the transfer is visible to the partner (S1, S2). Before
    // we leave the cell, which the partner does not need: it goes on a fence earlier.
    wake(*partner, done);
    leave(p, after);
    return met::ok;
  }

  // claimed() for a plain sender that drew p, whose receiver waits in rx_spin: we write the
  // value into the cell and mark it `landed`; the receiver takes it (await_landing()) and
  // frees the cell — or, if it is not running when the next lap needs the cell, whoever
  // needs it moves the value to the receiver's record (evict()). We touch neither the
  // receiver's record nor its parker.
  met land(std::uint64_t p, const source* src) {
    cell& c = cell_of(p);
    try {
      c.land.with_mut([&](std::optional<T>& v) { sink(v).put(*src); });
    } catch (...) {
      // Our argument's copy threw: the receiver draws again (its partner position is spent).
      waiter* partner = c.who[1].with([](waiter* const& who) { return who; });
      partner->alive.use();
      send_back(p, empty, partner);
      throw;
    }
    // release (N1): publishes the value to the receiver's acquire load in await_landing(), or
    // to an evictor's claim; and the receiver's record (which our acquire claim read through
    // its link) to the evictor. (Relaxed: mutant rdv_relaxed_landed.)
    c.word.store(make_word(p, landed),  // release (N1), as above
                 sync::order<B, mutation::rdv_relaxed_landed>(std::memory_order_release));
    return met::ok;
  }

  // The drawer of p found its cell still `landed` for position p - W, whose receiver has not
  // taken its value yet (w: the word it read): it moves the value to that receiver's record
  // and wakes it through its parker, as a record-path claimer would have, and frees the cell.
  // A receiver that is not running must not keep the next lap waiting (I1). Returns whether
  // the cell was found landed (then look at it again).
  bool evict(std::uint64_t p, std::uint64_t w) noexcept {
    if constexpr (!cells_land) {
      return false;
    } else {
      if (p < cells || !at(w, p - cells) || state_of(w) != landed) return false;
      const std::uint64_t q = p - cells;
      cell& c = cell_of(q);
      // acquire (N2): pairs with the landing store N1: the value, and the receiver's record
      // and destination (its link, which the sender's claim read) are ours to read. Against
      // the receiver's own claim of its landed cell (await_landing()), atomicity decides.
      // (Relaxed: mutant rdv_relaxed_evict.) relaxed on failure: the receiver took it.
      constexpr auto n2 = sync::order<B, mutation::rdv_relaxed_evict>(std::memory_order_acquire);
      if constexpr (sync::planted<B, mutation::rdv_evict_unclaimed>) {
        // The planted bug: a look, then a store, where the receiver may claim in between.
        if (c.word.load(n2) != w) return true;
        c.word.store(make_word(q, busy), std::memory_order_relaxed);  // relaxed: the bug too
      } else if (!c.word.compare_exchange_strong(w, make_word(q, busy), n2,
                                                 sync::retry_on_failure)) {
        return true;
      }
      waiter* partner = c.who[1].with([](waiter* const& who) { return who; });
      partner->alive.use();
      sink to = c.dst.with([](const sink& d) { return d; });
      take_landed(c, to);
      wake(*partner, done);  // release (parker P1): the value, to the receiver's park()
      free_cell(q);
      return true;
    }
  }

  // Moves the value landed in cell c (we hold it busy) to `to`, and empties the cell's slot.
  static void take_landed(cell& c, sink& to) noexcept {
    if constexpr (cells_land) {
      c.land.with_mut([&](std::optional<T>& v) {
        to.put(*v);  // cannot throw: cells_land
        v.reset();
      });
    }
  }

  // Sends the party waiting at p (we hold its cell busy) to draw again: its partner position p
  // is spent. We free the cell and tell the party `retry`.
  void send_back(std::uint64_t p, std::uint32_t after, waiter* partner) noexcept {
    leave(p, after);
    // The planted bug: the party is told it was served.
    wake(*partner, sync::planted<B, mutation::rdv_send_back_frees> ? done : retry_out);
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
      // seq_cst (D1): the double collect's first read. Its acquire half pairs with the links'
      // announcements (L3): every waiter we count here is ordered before our scan, which
      // then sees its link. (The litmus model's Part 3: relaxed, a counted waiter's link can
      // be missed, and D2 reads the same count.) Acquire is all it needs — D2 sends a stale
      // count round again — and the linearizability model passes all its suites with it.
      // The seq_cst is for the model checker: Relacy lets a seq_cst load read only the
      // latest seq_cst write (every L3 is one), but an acquire load also the one before, and
      // for D1 each stale count is a wasted round: select.select_meets_select<lock_free>
      // went from 29 s to unfinished after 900 s (docs/memory_orders.md, seventh stop). On
      // x86 both orders are a plain load.
      const std::uint64_t links_before = links_.load(std::memory_order_seq_cst);
      if (closed_now()) {  // a closed answer is final, once the close has taken effect
        cut_counters();
        return status::closed;
      }
      // acquire, lo and hi: a cut bit read here is our answer `closed`, and the cut (K2, K3)
      // releases what preceded close() — Go's close happens before a receive that returns
      // because the channel is closed. (Relaxed, each alone: chan.try_recv_at_close.cap0,
      // DATA RACE on what the closer wrote at schedule 297 / 299 — the poll preempted after
      // its read of the flag, the close between its cuts.) Otherwise they only bound the
      // scan. A stale lo scans positions our side drew since, where the cell's stamp or a
      // lost claim stops us, as after a draw that follows our read. A stale hi leaves out a
      // partner, but every waiter D1 counted drew before its L3, so hi reads its draw
      // (coherence); one D1 did not count either moves links_ for D2 or arrives after it.
      // Relacy explores each older value an acquire load may read: at acquire the two add as
      // much as 48% to the try suites' schedules, and take select.self_select<lock_free> from
      // 1,903,892 to 4,266,762 (docs/memory_orders.md). On x86 both are a plain load.
      const std::uint64_t lo = mine.load(  // acquire, as above (mutant rdv_try_lo_relaxed)
          sync::order<B, mutation::rdv_try_lo_relaxed>(std::memory_order_acquire));
      const std::uint64_t hi = theirs.load(  // acquire, as above (mutant rdv_try_hi_relaxed)
          sync::order<B, mutation::rdv_try_hi_relaxed>(std::memory_order_acquire));
      if (((lo | hi) & cut_bit) != 0) {
        cut_counters();
        return status::closed;
      }
      // Neither counter was cut when we read them: every waiter at a position below lo has a
      // partner that drew before the cut, and completes with it (close() seals only the
      // positions drawn by one side), so passing over it is exact.
      bool lagging = false;
      for (std::uint64_t p = lo; p < hi; ++p) {
        // acquire: pairs with the link's release (L1), through which meet()'s relaxed claim
        // reads the waiter's record, and with seal()'s release, which D3 relies on. The total
        // order adds nothing: a waiter D1 counted linked before its L3, which D1 read, so we
        // read its link or later (coherence); one D1 did not count moves links_ for D2.
        // (Relaxed: mutant rdv_try_scan_relaxed, DATA RACE in claimed().)
        const std::uint64_t w = cell_of(p).word.load(  // acquire, as above
            sync::order<B, mutation::rdv_try_scan_relaxed>(std::memory_order_acquire));
        if (!at(w, p)) continue;  // a previous lap still here, or already freed past p
        // The planted bug: only a plain waiter counts as waiting, not a select's case.
        const bool found = sync::planted<B, mutation::rdv_try_ignores_selects>
                               ? state_of(w) == waiting
                               : waits(state_of(w), waiting);
        if (found) {
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
      // seq_cst (D2): the double collect's second read, where `full` takes effect. It must
      // read every announcement (L3) that precedes it in S; at acquire Relacy lets it read
      // an older count, and the linearizability model's exactness check rejects the answer
      // (mutant rdv_try_collect_acquire).
      constexpr auto d2 = sync::order<B, mutation::rdv_try_collect_acquire>(
          std::memory_order_seq_cst, std::memory_order_acquire);  // acquire: the planted bug
      if (!lagging && links_.load(d2) == links_before) {
        // (D3) The scan may have passed a waiter that a close cancelled (seal()) after we read
        // the counters uncut: before the close took effect that waiter waited, after it the
        // answer is `closed`, so `full` would be right at no instant. Every seal comes after
        // the close's flag K1 in happens-before (its caller wrote K1, read it, or drew a cut
        // counter), and the scan's load read the seal's release write, so this load sees K1.
        // (Mutant rdv_try_misses_close.)
        if (!sync::planted<B, mutation::rdv_try_misses_close> && closed_now()) {
          cut_counters();
          return status::closed;
        }
        return src != nullptr ? status::full : status::empty;
      }
    }
  }

  // Advances a counter over leading skipped positions starting at p, freeing their cells: a
  // try operation's own (mine), or the other side's for a party that withdrew (W).
  void sweep(typename B::template atomic<std::uint64_t>& mine, std::uint64_t p) noexcept {
    for (;;) {
      // acquire: pairs with the skip mark's release (leave()), or, where the party withdrew
      // (a relaxed compare-exchange), with the link whose release sequence that continues:
      // whoever left the cell used it before, and our free hands the cell to the next lap.
      // (The litmus model's rendezvous_sweep: relaxed, the next lap's fill races a try
      // operation's read of the cell.)
      const std::uint64_t w = cell_of(p).word.load(std::memory_order_acquire);
      if (!at(w, p) || state_of(w) != skip) return;
      std::uint64_t expected = p;
      // seq_cst: a draw of p on behalf of the party that left it. Its atomicity decides it against
      // the drawers (one of us takes p, and that one frees the cell) and against the close's cut (a
      // cut counter never equals p). Its place in S is load-bearing, as for draw_if_free()'s draw:
      // it comes before a watching select's re-read of the counter (watch_ready()'s lo), which the
      // free below follows only in happens-before; relaxed (as until 2026-12-01) or acq_rel, the
      // select could read position p, then p's cell freed past it, and sleep beside the next
      // position's free cell while the notify missed it (litmus rendezvous_watch_next, the sweep).
      // The load above ordered our free after whoever marked the skip; the free's own store
      // publishes it to the next lap. relaxed on failure: a drawer owns p and frees it (or we lag).
      if (!mine.compare_exchange_strong(expected, p + 1, std::memory_order_seq_cst,
                                        sync::retry_on_failure)) {
        return;
      }
      free_cell(p);
      ++p;
    }
  }

  // (W) A party of kind my_state has withdrawn from its cell (it timed out, or it was a
  // select's case and the select ended elsewhere), leaving it `skip`: it sweeps the other
  // side's counter over the leading positions whose parties left, its own among them, and
  // frees their cells, as a try operation does with its own counter. Without this the cells
  // stayed marked until a party of the other side drew their positions; a receiver whose timed
  // waits kept timing out on an idle channel (Go's heartbeat loop) then marked all W of them,
  // and its next wait found no free cell to draw, waited for one where no try operation could
  // see it, and a try_send freed the cells and answered `full` while it waited (the channel
  // test ANonBlockingSendFindsAReceiverWhoseEarlierWaitsTimedOut).
  void withdrawn(std::uint32_t my_state) noexcept {
    auto& theirs = my_state == tx ? R_ : S_;
    // relaxed: only a candidate, as in draw_if_free(): sweep() draws it for the party that left
    // with a compare-exchange that fails unless it is still the counter's value; a stale read
    // sweeps nothing, and whoever moved the counter on meets what is there.
    const std::uint64_t from = theirs.load(std::memory_order_relaxed);
    if ((from & cut_bit) == 0) sweep(theirs, from);  // a cut counter is drawn no more
  }

  // Cancels the party waiting at p (close), or seals the empty cell so that a party arriving
  // later finds the channel closed.
  void seal(std::uint64_t p) noexcept {
    cell& c = cell_of(p);
    for (;;) {
      // seq_cst (K2): the second half of the Dekker with a linker (L1, L2): a linker whose L2
      // missed the closed flag (K1) linked before this read in the total order, so we see it.
      // (An acquire load may return a stale lap here — Relacy shows the waiter sleeping on.)
      std::uint64_t w = c.word.load(std::memory_order_seq_cst);
      if (!at(w, p)) return;  // a previous lap: its future linker sees the closed flag (L2)
      const std::uint32_t st = state_of(w);
      if (st == empty) {
        // release: carries the close (which whoever seals has seen: it closed, read K1 in
        // cut(), or drew a cut counter) to the party of p that arrives here later, drawn
        // before its own counter's cut, and returns closed (S4). Nothing is read through the
        // empty word it replaces. Not in S: a party waiting for this cell (cell_freed_)
        // re-checks the close's flag and cuts themselves, in cut(), and close() notifies after
        // its cuts. (Litmus rendezvous_seal_empty.) relaxed on failure: look again.
        if (c.word.compare_exchange_strong(w, make_word(p, sealed), std::memory_order_release,
                                           sync::retry_on_failure)) {
          return;
        }
      } else if (waits(st, tx) || waits(st, rx)) {
        // release: a try operation whose scan reads `busy` here passes over the waiter we
        // cancel, and must then see the close (D3): this carries K1 to it. No acquire half,
        // as in meet()'s claim: the load above read the waiter's link (seq_cst, so acquire)
        // and made its record visible; succeeding, this reads that same link (or a try
        // operation's restoring store of it, after the link). Through busy, so that a select
        // withdrawing this waiter waits until we are done with its record. (Litmus
        // rendezvous_seal_collect.) relaxed on failure: re-examine.
        if (c.word.compare_exchange_strong(w, make_word(p, busy), std::memory_order_release,
                                           sync::retry_on_failure)) {
          waiter* partner = c.who[slot_of(st)].with([](waiter* const& who) { return who; });
          partner->alive.use();
          const bool ours = partner->sel == nullptr || partner->sel->claim(partner->case_index);
          // release: carries the close, as above, to a try operation that reads `sealed` here
          // (D3: a plain store continues no release sequence) and to a party that finds it;
          // and our reads of the record come before a withdrawing select's delist() reads
          // `sealed` (acquire) and lets the record die — where we lost the select's claim we
          // wake nobody, and this is the only order between the two. Not in S, as above.
          c.word.store(make_word(p, sealed), std::memory_order_release);
          if (ours) wake(*partner, closed_out);
          return;
        }
      } else {
        // busy (its holder completes the pair, sends the party back, seals, or frees), skip,
        // sealed
        return;
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
    // seq_cst: after the draws in S, so that the free re-check below reads the cell of the
    // next position, not one an earlier lap used (litmus rendezvous_watch_next).
    const std::uint64_t lo = mine.load(std::memory_order_seq_cst);
    const std::uint64_t hi = theirs.load(std::memory_order_seq_cst);  // as above
    if (((lo | hi) & cut_bit) != 0) return true;                      // closed: poll again
    for (std::uint64_t p = lo; p < hi; ++p) {
      if (p == ignore) continue;
      // seq_cst: the re-check of a link (L1) that the notify may have missed.
      const std::uint64_t w = cell_of(p).word.load(std::memory_order_seq_cst);
      if (at(w, p) && waits(state_of(w), their_state)) return true;
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
    for (;;) {
      std::uint64_t drawn = 0;
      if (how == op_mode::until) {
        // A timed operation draws only a position whose cell is free, and waits for that with
        // its deadline before it draws (I5).
        if (const status s = draw_when_free(mine, drawn, deadline); s != status::ok) {
          return s;
        }
      } else {
        // seq_cst: a draw. Its result says on which side of our counter's cut (K2 or K3) we
        // drew, and its acquire half, reading a cut value, carries the close to us (S4). In S
        // it comes before a watching select's re-read of our counter, as enlist()'s draw
        // (litmus rendezvous_watch_next).
        drawn = mine.fetch_add(1, std::memory_order_seq_cst);
      }
      const std::uint64_t p = drawn & ~cut_bit;
      // The planted bug: the closed flag, read after the draw, decides instead.
      if (sync::planted<B, mutation::rdv_closed_flag_after_draw> ? closed_now()
                                                                 : (drawn & cut_bit) != 0) {
        cut_counters();  // (a receiver may have drawn between K2 and K3)
        // (D) We drew after the cut: we leave, sealing p on our way out — its partner, if it
        // drew p before its own counter's cut, may be linked there and must not wait for us.
        // (close() seals p too, and so does a linker's re-check L2; a second seal is harmless,
        // and so is one of a position nobody else drew or of a cell an earlier lap still uses.)
        seal(p);
        return status::closed;
      }
      cell& c = cell_of(p);
      // First guess that the partner is already waiting, and claim the cell as meet() would:
      // one compare-exchange takes the line to this core and, usually, the partner with it; a
      // load first would fetch the line shared and the claim then fetch it again, exclusive.
      // A sender guesses a receiver that watches its cell (rx_spin), where values land in cells.
      const std::uint32_t guessed = cells_land && their_state == rx ? rx_spin : their_state;
      std::uint64_t w = make_word(p, guessed);
      // acquire, also on failure: the value read takes the place of the loop's first load
      // below, and pairs with what that load pairs with (a link L1, a skip mark, a free).
      constexpr auto guess = std::memory_order_acquire;
      if (c.word.compare_exchange_strong(w, make_word(p, busy), guess, guess)) {
        const met m = claimed(p, guessed, src, dst, empty, nullptr, 0);
        if (m == met::ok) return status::ok;
        continue;  // partner_gone: a select gone elsewhere; the cell is freed: draw again
      }
      for (bool fresh = true;; fresh = false) {
        if (!fresh) {
          // acquire: pairs with the partner's link (L1), a skip mark, or a free.
          w = c.word.load(std::memory_order_acquire);
        }
        if (!at(w, p) && at(w, p + cells)) break;  // freed past us (defensive): draw again
        if (!at(w, p) && cut(p, my_state)) {
          // Our position is cut: its partner draws it after the cut and leaves (or never
          // comes), so we leave too, without waiting for the cell. (An uncut position waits:
          // the earlier lap in its cell is uncut as well, completes, and frees it.)
          return status::closed;
        }
        if (!at(w, p)) {
          // The previous lap is still using the cell (I1): wait for it — unless it is a value
          // landed for a receiver that has not taken it yet, which we move to its record.
          // (Only an untimed operation comes here: a timed one drew a free cell, I5.)
          if (evict(p, w)) continue;
          wait_for_cell(p, my_state, w);
          continue;
        }
        const std::uint32_t st = state_of(w);
        if (waits(st, their_state)) {
          const met m = meet(p, w, src, dst, empty, nullptr, 0);
          if (m == met::ok) return status::ok;
          if (m == met::partner_gone) break;  // a select gone elsewhere; cell freed: draw again
          continue;
        }
        if (st == skip) {  // the party here left (served by a try operation, or timed out)
          free_cell(p);
          break;  // draw again
        }
        if (st == sealed) return status::closed;
        if (st == busy) {  // a try operation is serving the party here
          B::yield();
          continue;
        }
        // empty: link our waiter and wait. A plain receiver that waits untimed, where values
        // land in cells, watches the cell's word (rx_spin) while it spins.
        const bool watches = cells_land && my_state == rx && how == op_mode::block;
        const std::uint32_t linked = watches ? std::uint32_t{rx_spin} : my_state;
        fill(c, me);
        // seq_cst (L1, and L2's first half): the release half publishes our fields (fill) and
        // record to the claimer's acquire; seq_cst for the Dekker with close (K1). (Mutant:
        // rdv_relaxed_link.)
        if (!c.word.compare_exchange_strong(
                w, make_word(p, linked),
                sync::order<B, mutation::rdv_relaxed_link>(std::memory_order_seq_cst),
                sync::retry_on_failure)) {
          continue;
        }
        // seq_cst (L3): announces the link to try operations' double collect. D1 and D2
        // (seq_cst) must read it once it precedes them in S; an acq_rel increment is outside
        // S, and a seq_cst load need not read it: a try_recv counts the links before ours
        // twice, its scan misses ours, and it answers `empty` while we wait (mutant
        // rdv_link_announce_acq_rel: the exactness check rejects ch.lin.try_ops.unbuffered at
        // bound 2). Its release half pairs with D1: a collect that counts us is ordered after
        // our link (L1), and its scan finds us. (The litmus model's Part 3: relaxed, counted
        // and missed.)
        constexpr auto l3 = sync::order<B, mutation::rdv_link_announce_acq_rel>(
            std::memory_order_seq_cst, std::memory_order_acq_rel);  // acq_rel: the planted bug
        links_.fetch_add(1, l3);
        // We wait from here: a try operation must find us now. Between the link and L3 a
        // partner or a try operation may already claim us (the pair completes at the claim),
        // but a try operation's double collect may also pass us by: we are still arriving.
        sync::observe<B>(sync::point::waiting);
        if constexpr (!sync::planted<B, mutation::rdv_link_ignores_close>) {
          // (L2) Dekker with close's cuts (K2, K3): if close's sweep missed our link, cut()
          // sees the flag, then the cut of our partner's counter.
          if (cut(p, my_state)) seal(p);
        }
        watch_.notify_all();  // a watching select may pair with us now
        std::uint32_t o = watches ? await_landing(p, me) : 0;
        if (o == 0) o = await(p, me, my_state, how, deadline);
        if (o != retry_out)
          return o == done ? status::ok : o == closed_out ? status::closed : status::timeout;
        me.park.reset();  // our partner's drawer left (it told us so): draw again
        break;
      }
    }
  }

  // Waits until our waiter at p is claimed and served: its outcome, or 0 if the deadline
  // passed and we withdrew. The claimer delivers it to our parker (I4), which spins for a
  // bounded time (detail/backoff.hpp) and then sleeps; we never read the cell meanwhile.
  template <class Deadline>
  std::uint32_t await(std::uint64_t p, waiter& me, std::uint32_t my_state, op_mode how,
                      const Deadline& deadline) {
    if constexpr (requires { deadline.time_since_epoch(); }) {
      if (how == op_mode::until) {
        if (const std::uint32_t o = me.park.park_until(deadline, true, &gauge_[slot_of(my_state)]);
            o != 0) {
          return o;
        }
        // Timed out: withdraw, unless someone claimed us meanwhile (then wait for its outcome).
        std::uint64_t linked = make_word(p, my_state);
        // relaxed: withdrawing publishes nothing (the partner that draws p frees the cell).
        // relaxed on failure: a claimer took the cell; its outcome comes through the parker.
        auto& word = cell_of(p).word;
        if (word.compare_exchange_strong(linked, make_word(p, skip),
                                         std::memory_order_relaxed,  // relaxed: as above
                                         sync::retry_on_failure)) {
          withdrawn(my_state);
          return 0;
        }
        return me.park.park(false);
      }
    }
    (void)p;
    return me.park.park(true, &gauge_[slot_of(my_state)]);
  }

  // A receiver linked at p in rx_spin watches its cell for a landed value (land()), for a
  // bounded spin: `done` once it took one; otherwise 0, and its outcome comes through its
  // parker — from a claimer that served it through its record (a try operation, a select, an
  // evictor, close), or after its spin ran out, when it has turned its state into a plain
  // rx and so told senders to serve it through its record.
  std::uint32_t await_landing(std::uint64_t p, waiter& me) {
    if constexpr (!cells_land) {
      (void)p;
      (void)me;
      return 0;
    } else {
      cell& c = cell_of(p);
      csp::detail::backoff<B> wait;
      for (;;) {
        // acquire (N3): pairs with the landing store N1: the value is ours to read. (Relaxed:
        // mutant rdv_landing_load_relaxed.)
        std::uint64_t w = c.word.load(  // acquire (N3), as above
            sync::order<B, mutation::rdv_landing_load_relaxed>(std::memory_order_acquire));
        if (!at(w, p)) return 0;  // served through our record and freed
        const std::uint32_t st = state_of(w);
        if (st == landed) {
          // The planted bug: the value taken before the claim, which an evictor may win.
          constexpr bool early = sync::planted<B, mutation::rdv_take_before_claim>;
          if (early) take_landed(c, *me.dst);
          // relaxed: the load above read the landing (N3); succeeding, this reads that same
          // store. Its atomicity decides it against an evictor. relaxed on failure: an evictor
          // took the value; look again.
          if (!c.word.compare_exchange_strong(w, make_word(p, busy), std::memory_order_relaxed,
                                              sync::retry_on_failure)) {
            continue;
          }
          if (!early) take_landed(c, *me.dst);
          wait.paid_off(&gauge_[1]);
          free_cell(p);  // (its release half: our reads of the cell before the next lap's use)
          return done;
        }
        if (st == busy) {  // a sender is landing its value, or someone serves our record
          if (!wait.snooze()) B::yield();  // (a claimer preempted while it holds the cell)
          continue;
        }
        if (st != rx_spin) return 0;  // skip (a try operation served us), sealed
        if (!wait.snooze(&gauge_[1])) {
          // relaxed: publishes nothing (our record was published by the link, and this
          // read-modify-write continues its release sequence). relaxed on failure: a sender
          // claimed the cell meanwhile; look again.
          if (c.word.compare_exchange_strong(w, make_word(p, rx), std::memory_order_relaxed,
                                             sync::retry_on_failure)) {
            return me.park.park(false);
          }
        }
      }
    }
  }

  // An untimed operation that drew p waits for its cell, which an earlier lap still uses
  // (word `seen`).
  void wait_for_cell(std::uint64_t p, std::uint32_t my_state, std::uint64_t seen) {
    const std::uint32_t key = cell_freed_.prepare();
    // seq_cst (C): the eventcount re-check against free_cell()'s seq_cst store and close's
    // cuts (cut() reads the flag and the counter with seq_cst; close() notifies after them).
    // A seal of the earlier lap in this cell needs no wake of its own: it means p is cut too,
    // which cut() sees. (At acquire: litmus rendezvous_cell_wait, the party sleeps beside a
    // free cell.)
    if (cell_of(p).word.load(std::memory_order_seq_cst) != seen || cut(p, my_state)) {
      cell_freed_.cancel();
      return;
    }
    cell_freed_.wait(key);
  }

  // How draw_if_free() went: drew the position; our counter is cut (closed); the position's
  // cell is still held by an earlier lap; another party drew it first (or the close cut it).
  enum class free_draw { drawn, cut, busy, lost };

  // One attempt to draw the next position of `mine` whose cell is free, for a select's case
  // (enlist_held()) and a timed operation (draw_when_free()): once drawn, the position's cell
  // is free for its two parties, so neither ever waits for a cell after drawing. `p`: the
  // position drawn, or the one whose cell is busy. Draws nothing unless `drawn`.
  free_draw draw_if_free(typename B::template atomic<std::uint64_t>& mine,
                         std::uint64_t& p) noexcept {
    // relaxed: only a candidate. The draw is the seq_cst compare-exchange below, which fails
    // unless cur is still the counter's value (a stale read costs a retry).
    std::uint64_t cur = mine.load(std::memory_order_relaxed);
    if ((cur & cut_bit) != 0) return free_draw::cut;
    p = cur;
    // relaxed: only decides whether to draw; after the draw the caller re-reads the word with
    // acquire (it cannot read an older value than this one), which is what pairs with the
    // previous lap's free. A stale "in use" only makes a select watch, or a timed operation
    // re-check before it waits.
    if (const std::uint64_t w = cell_of(cur).word.load(std::memory_order_relaxed); !at(w, cur)) {
      // A value landed for a receiver not running yet: moved to its record, look again.
      return evict(cur, w) ? free_draw::lost : free_draw::busy;
    }
    // seq_cst: a draw. It succeeds only on an uncut value, so we drew before the cut (K2 or
    // K3; atomicity alone decides that). In S it comes before a watching select's re-read of
    // our counter (watch_ready()'s lo), which the free of our position's cell follows only in
    // happens-before (litmus rendezvous_watch_next: acq_rel, the select sleeps beside a free
    // cell). relaxed on failure: another party drew it, or the close cut the counter.
    if (!mine.compare_exchange_strong(cur, cur + 1, std::memory_order_seq_cst,
                                      sync::retry_on_failure)) {
      return free_draw::lost;
    }
    return free_draw::drawn;
  }

  // A timed operation's draw (I5): the next position of `mine`, once its cell is free, into
  // `drawn`; or closed (our counter is cut: nothing drawn), or timeout (the deadline passed
  // while an earlier lap held the cell: nothing drawn either). Once drawn, the operation can
  // leave its cell at its deadline (withdraw), and never waits for a cell past it.
  template <class Deadline>
  status draw_when_free(typename B::template atomic<std::uint64_t>& mine, std::uint64_t& drawn,
                        const Deadline& deadline) {
    for (;;) {
      std::uint64_t cur = 0;
      const free_draw d = draw_if_free(mine, cur);
      if (d == free_draw::drawn) {
        drawn = cur;
        return status::ok;
      }
      if (d == free_draw::cut) {
        cut_counters();  // about to answer closed: the close has taken effect first
        return status::closed;
      }
      if (d == free_draw::lost) continue;
      const std::uint32_t key = cell_freed_.prepare();
      // seq_cst (C): the eventcount re-check against free_cell()'s seq_cst store, and against
      // close's cuts (close() notifies after them); our counter read after the draws in S, as
      // watch_ready()'s, so the cell we look at is the next position's. (Either at acquire:
      // litmus rendezvous_cell_wait, the party sleeps beside a free cell until its deadline.)
      const std::uint64_t now = mine.load(std::memory_order_seq_cst);
      if (now != cur ||
          at(cell_of(cur).word.load(std::memory_order_seq_cst), cur)) {  // seq_cst: as above
        cell_freed_.cancel();
        continue;
      }
      if constexpr (requires { deadline.time_since_epoch(); }) {
        if (!cell_freed_.wait_until(key, deadline)) return status::timeout;
      } else {
        cell_freed_.wait(key);
      }
    }
  }

  // Each counter on its own cache line: S and R are written by each draw, links_ by each link,
  // and the closed flag, read by every operation, is written once. Sharing a line would make
  // every draw or link steal it from the other side, which reads its neighbour.
  alignas(64) typename B::template atomic<std::uint64_t> S_{0};
  alignas(64) typename B::template atomic<std::uint64_t> R_{0};
  alignas(64) typename B::template atomic<std::uint32_t> closed_{0};
  // The counters' snapshots at their cuts, plus one (0: not cut yet); on the flag's line, which
  // is written only by the close.
  typename B::template atomic<std::uint64_t> S_cut_{0};
  typename B::template atomic<std::uint64_t> R_cut_{0};
  alignas(64) typename B::template atomic<std::uint64_t> links_{0};
  // Whether spinning pays off for waiting senders ([0]) and receivers ([1]), read by a wait
  // that outlasts the short burst (detail/backoff.hpp, "Adaptive").
  alignas(64) csp::detail::spin_gauge<B> gauge_[2];
  alignas(64) cell ring_[cells];
  csp::detail::eventcount<B> cell_freed_;
  csp::detail::watch_list<B> watch_;
};

}  // namespace csp::lock_free
