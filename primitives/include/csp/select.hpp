// <csp/select.hpp> — Go's select statement.
//
//   std::size_t i = csp::select(
//       csp::on_recv(jobs, [](std::optional<job> j) { ... }),   // nullopt: jobs is closed
//       csp::on_send(results, r, [] { ... }),                    // r is moved only if chosen
//       csp::on_recv(csp::after(1s), [](auto) { ... }),          // a timeout
//       csp::on_default([] { ... }));                            // optional: never block
//
// Blocks until one case can proceed, performs exactly that one operation, runs its handler and
// returns the case's index in argument order. Among cases ready at once each is chosen with
// equal probability (the cases are polled in a fresh random order). A chosen on_send on a
// closed channel throws closed_channel_error; an on_recv on a closed, drained channel receives
// std::nullopt. With on_default, select never blocks: if no case is ready it runs the default.
// As in Go, the default means "no case was ready at one instant" (see run(): with several
// lock-free cases the poll is watched).
//
// Exactly once: a case that is not chosen neither consumes nor delivers a value. An on_send
// that loses leaves its argument holding its value (the case refers to it), and an on_recv
// that loses takes nothing. On mutex-based and unbuffered channels the losing argument is not
// even moved from: only the transfer that commits the case moves it. A buffered lock-free
// channel publishes a value already in its ring, so a send case that loses the publish race is
// moved in and back. There an rvalue of another type than the channel's is converted from as
// a const lvalue (copied), since a converted value cannot be given back; a move-only one does
// not compile: convert it first, on_send(ch, T(std::move(u))).
//
// Channels: csp::channel (lock-free), csp::mutex_based::channel and their send_only /
// recv_only views, in any mix, as long as they share a backend (all csp::sync::std_backend in
// user code; a model's backend in models/). Mixing is supported rather than rejected because
// timers and contexts hand out lock-free channels (csp::after, context::done()), and a select
// over mutex-based channels with a timeout must work.
//
// Case objects refer to their channel and to on_send's argument: pass them straight to
// select() (they are consumed by it), never store them.
//
// How it works (one round; a round that is told to retry starts over):
//   1. Poll. Lock the mutex-based channels of the cases in one global order (Go's sellock; by
//      creation number rather than address, so a model checker replays it), then
//      try each case in a shuffled order: the mutex-based ones under their locks, the
//      lock-free ones with their non-blocking operations. The first that succeeds, or finds
//      its channel closed, is chosen. With on_default, run it now.
//   2. Register. Make a context on the stack (detail/select_ctx.hpp): a claim word and a
//      parker. Link a waiter carrying it into each mutex-based channel's queue (still under
//      the locks, as Go's selectgo), unlock, then register with each lock-free channel: on an
//      unbuffered one the case draws a position like a blocked operation and waits in its
//      cell (or meets the party already there and completes with it); on a buffered one, and
//      whenever an unbuffered one cannot take a waiter, it watches the channel. While a case
//      registers with an unbuffered lock-free channel, the channel holds the select's context
//      (enlisting): a claimer then only leaves a mark, after which the select withdraws and
//      polls again. So a case that met a partner never has to give it back (docs/channel.md,
//      "Select cases on the lock-free rendezvous").
//   3. Sleep until one channel wins the claim: a partner that completes a case (it hands the
//      value over first), close() (the case sees closed), or a watched channel that changed
//      (the select polls again). A registration that finds its case ready claims the select
//      itself and polls again.
//   4. Withdraw every waiter and watcher still registered (under each mutex-based channel's
//      lock; the lock-free withdrawal waits out a partner that is reading the waiter), then run
//      the chosen case's handler.
//
// Synchronization contract: a select's operation is the channel operation of its case: S1..S4
// of the channel headers hold for it (a receive case's value was sent before the select
// returns it; close happens-before a receive case that returns nullopt; ...).
//
// Incorrect alternatives (planted mutants the models catch, models/mutants/select_mutants.cpp)
//   * locking the mutex-based channels in argument order: two selects naming two channels in
//     opposite orders each hold one lock and wait for the other — DEADLOCK (mutant
//     select_locks_in_case_order);
//   * a select with a default that polls several lock-free channels one after another without
//     watching them: it sees each not ready in turn while one was ready at every moment — the
//     default taken wrongly (mutant select_default_unwatched; Go's TestNonblockSelectRace);
//   * the claim as a load then a store (select_ctx.hpp): two cases commit — a value lost
//     (mutant select_claim_not_exclusive); a claim that decides an enlisting select: the same
//     (mutant select_claim_ignores_enlisting); and the ones of each channel's select hooks
//     (ch_mb_close_skips_selects, rdv_send_back_frees, ring_publish_skips_watchers,
//     ring_watch_skips_recheck, watch_count_relaxed).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "csp/channel.hpp"
#include "csp/detail/channel_transfer.hpp"
#include "csp/detail/channel_views.hpp"
#include "csp/detail/select_ctx.hpp"
#include "csp/errors.hpp"

namespace csp {

namespace detail {

// Mutation points of this file (csp/sync/mutation.hpp); select_ctx.hpp has the claim's.
namespace mutation {
struct select_locks_in_case_order {};
struct select_default_unwatched {};
}  // namespace mutation

// The channel a case refers to: a channel, or the channel behind a view.
template <class C>
struct select_channel {
  using type = C;
  static const C& of(const C& c) noexcept { return c; }
};
template <class C>
struct select_channel<send_only_view<C>> {
  using type = C;
  static const C& of(const send_only_view<C>& v) noexcept { return v.channel(); }
};
template <class C>
struct select_channel<recv_only_view<C>> {
  using type = C;
  static const C& of(const recv_only_view<C>& v) noexcept { return v.channel(); }
};

// Which protocol a channel type speaks.
template <class C>
struct select_family;
template <class T, class B>
struct select_family<mutex_based::channel<T, B>> {
  static constexpr bool locked = true;
  using backend = B;
};
template <class T, class B>
struct select_family<lock_free::channel<T, B>> {
  static constexpr bool locked = false;
  using backend = B;
};

template <class R>
concept selectable = requires {
  select_family<typename select_channel<std::remove_cvref_t<R>>::type>::locked;
};
template <class R>
inline constexpr bool is_send_only = false;
template <class C>
inline constexpr bool is_send_only<send_only_view<C>> = true;
template <class R>
inline constexpr bool is_recv_only = false;
template <class C>
inline constexpr bool is_recv_only<recv_only_view<C>> = true;

struct ignore_handler {
  template <class... A>
  void operator()(A&&...) const noexcept {}
};

template <class Chan, class F>
struct recv_case {
  using channel_type = Chan;
  static constexpr bool is_send = false;
  const Chan& ch;
  F f;
};

template <class Chan, class U, class F>
struct send_case {
  using channel_type = Chan;
  static constexpr bool is_send = true;
  using arg_type = U;
  const Chan& ch;
  U&& v;  // the caller's argument: moved from only if this case is chosen
  F f;
};

template <class F>
struct default_case {
  F f;
};

template <class C>
inline constexpr bool is_default_case = false;
template <class F>
inline constexpr bool is_default_case<default_case<F>> = true;

// What the protocol needs to know of a case: its channel's type and the direction, never its
// handler or its argument's type. The protocol is instantiated per list of kinds, so that every
// select over the same kinds of channels shares it (most selects of a program are over a few
// channel types); only the handlers' dispatch is compiled per statement.
template <class Chan, bool Send>
struct case_kind {
  using channel_type = Chan;
  static constexpr bool is_send = Send;
};
struct default_kind {};

template <class Case>
struct kind_of {
  using type = case_kind<typename Case::channel_type, Case::is_send>;
};
template <class F>
struct kind_of<default_case<F>> {
  using type = default_kind;
};

// Whether a case's channel is a lock-free one (false for the default case).
template <class Kind>
inline constexpr bool lock_free_kind = false;
template <class Chan, bool Send>
inline constexpr bool lock_free_kind<case_kind<Chan, Send>> = !select_family<Chan>::locked;
template <class Kind>
inline constexpr bool locked_kind = false;
template <class Chan, bool Send>
inline constexpr bool locked_kind<case_kind<Chan, Send>> = select_family<Chan>::locked;

// Reaches the channels' select hooks (private members; each channel befriends this).
struct select_access {
  // Nested classes rather than alias templates: clang 14 checks an alias template's access
  // where it is used, outside this friend.
  template <class C>
  struct mb_waiter {
    using type = typename C::waiter;
  };
  template <class C>
  struct lf_entry {
    using type = typename C::select_entry;
  };

  // A channel's identity (lock-free) or its place in the lock order (mutex-based).
  template <class C>
  static std::uint64_t key(const C& c) noexcept {
    if constexpr (std::is_pointer_v<decltype(c.select_key())>) {
      return reinterpret_cast<std::uintptr_t>(c.select_key());
    } else {
      return c.select_key();
    }
  }
  template <class C>
  static void lock(const void* c) {
    static_cast<const C*>(c)->select_lock();
  }
  template <class C>
  static void unlock(const void* c) noexcept {
    static_cast<const C*>(c)->select_unlock();
  }
  template <class C, class Src>
  static status poll_send(const C& c, const Src& src) {
    return c.select_poll_send(src);
  }
  template <class C, class Dst>
  static status poll_recv(const C& c, Dst& dst) {
    return c.select_poll_recv(dst);
  }
  template <class C, class W>
  static void enqueue(const C& c, W& w) {
    c.select_enqueue(w);
  }
  template <class C, class W>
  static std::exception_ptr dequeue(const C& c, W& w) {
    return c.select_dequeue(w);
  }
  template <class C, class E>
  static enlisted enlist(const C& c, E& e, bool watch_only, std::uint64_t ignore) {
    return c.select_enlist(e, watch_only, ignore);
  }
  template <class C, class E>
  static void delist(const C& c, E& e) {
    c.select_delist(e);
  }
};

// What a select statement hands the protocol for a case: its channel and, for a send, its
// argument (erased); and where a receive case's value lands (nullopt: closed).
template <class Kind>
struct case_input {};  // the default case
template <class Chan>
struct case_input<case_kind<Chan, false>> {
  const Chan* ch;
};
template <class Chan>
struct case_input<case_kind<Chan, true>> {
  const Chan* ch;
  source<typename Chan::value_type> src;
};

struct no_value {};
template <class Kind>
struct case_value {
  using type = no_value;
};
template <class Chan>
struct case_value<case_kind<Chan, false>> {
  using type = std::optional<typename Chan::value_type>;
};

template <class Chan, class F>
case_input<case_kind<Chan, false>> input_of(const recv_case<Chan, F>& c) noexcept {
  return {&c.ch};
}
template <class Chan, class U, class F>
case_input<case_kind<Chan, true>> input_of(const send_case<Chan, U, F>& c) noexcept {
  using T = typename Chan::value_type;
  if constexpr (select_family<Chan>::locked) {
    return {&c.ch, source<T>::template of<U>(c.v)};
  } else {
    // The ring stages the value before it knows whether the send succeeds: as the channel's own
    // sends, convert so that it can be given back (csp/detail/channel_transfer.hpp).
    static_assert(stageable_v<T, U>,
                  "csp::on_send on a lock-free channel: an rvalue of a move-only type other than "
                  "the channel's value_type cannot be given back if the case loses; convert it "
                  "first: on_send(ch, T(std::move(v)))");
    return {&c.ch, source<T>::template of<staged_arg_t<T, U>>(c.v)};
  }
}
template <class F>
case_input<default_kind> input_of(const default_case<F>&) noexcept {
  return {};
}

// What a case's state for one round is made from (one argument: the states are built in place
// in a tuple, and cannot move).
template <class Kind, class B>
struct state_init {
  const case_input<Kind>& in;
  typename case_value<Kind>::type& value;
  select_ctx<B>& ctx;
  std::uint32_t index;
};

// ---- The cases, erased ------------------------------------------------------------------------
// A select runs over an array of slots, one per case, as Go's selectgo runs over its scases:
// each slot names its channel, the case's state for the round and a table of what the
// channel's family offers a select. A table depends on the channel type and the direction
// only, never on the handler, so one instance serves every select of the program. The round
// (select_round below) is compiled per backend and shape: its poll stays inline in the
// selector, which is compiled per list of case kinds (selector below), with direct calls; the
// registration, sleep and withdrawal that follow a poll that found nothing are one out-of-line
// function shared by every select of that shape. Each statement used to instantiate and
// inline the whole protocol for its own case types: 8 KB of code per statement in a release
// build and 50-80 KB under ASan + UBSan, where one test file of selects took five minutes to
// compile (docs/select.md, "Compiled once").

// A case's state during one round of a select: its value in flight and its registration.
template <class Chan, bool Send, class B, bool Locked = select_family<Chan>::locked>
struct case_state;

template <class Chan, class B>
struct case_state<Chan, false, B, true> {
  using T = typename Chan::value_type;
  explicit case_state(const state_init<case_kind<Chan, false>, B>& i) noexcept : dst(i.value) {
    i.value.reset();  // each round starts with nothing received
    w.dst = &dst;
    w.sel = &i.ctx;
    w.case_index = i.index;
  }
  sink<T> dst;
  typename select_access::mb_waiter<Chan>::type w;
};

template <class Chan, class B>
struct case_state<Chan, true, B, true> {
  using T = typename Chan::value_type;
  explicit case_state(const state_init<case_kind<Chan, true>, B>& i) noexcept : src(i.in.src) {
    w.src = &src;
    w.sel = &i.ctx;
    w.case_index = i.index;
  }
  source<T> src;
  typename select_access::mb_waiter<Chan>::type w;
};

template <class Chan, class B>
struct case_state<Chan, false, B, false> {
  using T = typename Chan::value_type;
  explicit case_state(const state_init<case_kind<Chan, false>, B>& i) noexcept : dst(i.value) {
    i.value.reset();  // each round starts with nothing received
    e.w.dst = &dst;
    e.w.sel = &i.ctx;
    e.w.case_index = i.index;
    e.watch.ctx = &i.ctx;
    e.watch.index = i.index;
  }
  sink<T> dst;
  typename select_access::lf_entry<Chan>::type e;
};

template <class Chan, class B>
struct case_state<Chan, true, B, false> {
  using T = typename Chan::value_type;
  explicit case_state(const state_init<case_kind<Chan, true>, B>& i) noexcept : src(i.in.src) {
    e.w.src = &src;
    e.w.sel = &i.ctx;
    e.w.case_index = i.index;
    e.watch.ctx = &i.ctx;
    e.watch.index = i.index;
  }
  source<T> src;
  typename select_access::lf_entry<Chan>::type e;
};

struct default_state {
  template <class B>
  explicit default_state(const state_init<default_kind, B>&) noexcept {}
};

template <class Kind, class B>
struct state_of {
  using type = case_state<typename Kind::channel_type, Kind::is_send, B>;
};
template <class B>
struct state_of<default_kind, B> {
  using type = default_state;
};

// What a select's round may do with a case's channel and state (`ch`, `st`: erased). A
// mutex-based channel offers lock, unlock, enqueue and dequeue; a lock-free one enlist, delist
// and linked_at. The others are null. (The poll is not here: the selector calls each
// case's poll directly, case_ops_of<...>::poll.)
struct case_ops {
  bool locked;
  void (*lock)(const void* ch);
  void (*unlock)(const void* ch) noexcept;
  void (*enqueue)(const void* ch, void* st);
  std::exception_ptr (*dequeue)(const void* ch, void* st);
  enlisted (*enlist)(const void* ch, void* st, bool watch_only, std::uint64_t ignore);
  void (*delist)(const void* ch, void* st);
  // The position the case's waiter is linked at in an unbuffered channel, or no_position.
  std::uint64_t (*linked_at)(const void* st) noexcept;
};

inline constexpr std::uint64_t no_position = ~std::uint64_t{0};

template <class Chan, bool Send, class B>
struct case_ops_of {
  using state = case_state<Chan, Send, B>;
  static const Chan& ch(const void* c) noexcept { return *static_cast<const Chan*>(c); }
  static state& st(void* s) noexcept { return *static_cast<state*>(s); }

  static status poll(const void* c, void* s) {
    if constexpr (Send) {
      return select_access::poll_send(ch(c), st(s).src);
    } else {
      return select_access::poll_recv(ch(c), st(s).dst);
    }
  }
  static void enqueue(const void* c, void* s) { select_access::enqueue(ch(c), st(s).w); }
  static std::exception_ptr dequeue(const void* c, void* s) {
    return select_access::dequeue(ch(c), st(s).w);
  }
  static enlisted enlist(const void* c, void* s, bool watch_only, std::uint64_t ignore) {
    return select_access::enlist(ch(c), st(s).e, watch_only, ignore);
  }
  static void delist(const void* c, void* s) { select_access::delist(ch(c), st(s).e); }
  static std::uint64_t linked_at(const void* s) noexcept {
    const auto& e = static_cast<const state*>(s)->e;
    return e.linked ? e.p : no_position;
  }

  static constexpr case_ops table = [] {
    if constexpr (select_family<Chan>::locked) {
      return case_ops{true,
                      &select_access::lock<Chan>,
                      &select_access::unlock<Chan>,
                      &enqueue,
                      &dequeue,
                      nullptr,
                      nullptr,
                      nullptr};
    } else {
      return case_ops{false, nullptr, nullptr, nullptr, nullptr, &enlist, &delist, &linked_at};
    }
  }();
};

// One case of a select, erased. The default case's slot has no ops.
struct case_slot {
  const case_ops* ops = nullptr;
  const void* ch = nullptr;
  void* state = nullptr;
  std::uint64_t key = 0;  // the channel's identity (lock-free) or place in the lock order
  bool enlisted = false;  // registered with a lock-free channel (a waiter or a watcher)

  bool locked() const noexcept { return ops != nullptr && ops->locked; }
  bool lock_free() const noexcept { return ops != nullptr && !ops->locked; }
};

// The backend of a case (void for the default case), and of a whole select.
template <class Case>
struct case_backend {
  using type = typename select_family<typename Case::channel_type>::backend;
};
template <class F>
struct case_backend<default_case<F>> {
  using type = void;
};
template <class... Cases>
struct common_backend {
  using type = void;
};
template <class First, class... Rest>
struct common_backend<First, Rest...> {
  using head = typename case_backend<First>::type;
  using tail = typename common_backend<Rest...>::type;
  static_assert(std::is_void_v<head> || std::is_void_v<tail> || std::is_same_v<head, tail>,
                "csp::select: all channels of one select must use the same backend");
  using type = std::conditional_t<std::is_void_v<head>, tail, head>;
};

// Runs a receive case's handler with the value (nullopt: closed), or a send case's.
template <class F, class T>
void run_recv_handler(F& f, std::optional<T>&& v) {
  if constexpr (std::is_invocable_v<F&, std::optional<T>&&>) {
    f(std::move(v));
  } else {
    f();
  }
}

// ---- The protocol ---------------------------------------------------------------------------

// A select's slots and the orders it visits them in, for one round.
struct select_frame {
  case_slot* slots;  // n, by case index (argument order); the default's slot has no ops
  std::uint32_t n;
  std::uint32_t* order;  // the channel cases' indices; shuffled at the start of each round
  std::uint32_t channel_cases;
  // The mutex-based cases to lock, one per channel, in the channels' lock order.
  const std::uint32_t* lock_order;
  std::uint32_t locks;
};

// What kinds of case a select has, known where it is written: the protocol is compiled once per
// shape and backend, and skips what the shape lacks (locks for a lock-free select, watchers
// without a default).
struct select_shape {
  bool locked;     // a mutex-based case
  bool lock_free;  // a lock-free case
  bool fallback;   // an on_default
  bool watched;    // the poll is watched: a default and two or more lock-free cases
};

// How a round ended.
enum class round_end {
  ok,        // case `index` completed its operation: run its handler
  closed,    // case `index` found its channel closed
  fallback,  // nothing was ready: run the default
  again,     // told to retry: a new round
};
struct round_result {
  round_end end;
  std::uint32_t index;
};

template <class B, select_shape S>
class select_round {
  static constexpr std::uint32_t none = ~std::uint32_t{0};

 public:
  select_round(select_ctx<B>& ctx, const select_frame& f) noexcept : ctx_(ctx), f_(f) {}

  // `poll(k)` polls case k: the selector's own dispatch, whose calls are direct.
  template <class Poll>
  round_result run(const Poll& poll) {
    shuffle();
    locks lk(f_);
    // With a default over several lock-free channels, watch them all before polling: an
    // operation that makes one ready during the poll claims ctx (with `retry`) before it
    // returns. So if the poll finds nothing and ctx is still unclaimed, every lock-free
    // channel was not ready from its own poll until the end of the poll, except for changes
    // by operations still in progress, which may be ordered after this select: at the last
    // poll no case was ready — the default is linearizable (Go's TestNonblockSelectRace).
    watch_guard watching(*this);

    // 1. Poll, in the shuffled order.
    for (std::uint32_t i = 0; i < f_.channel_cases; ++i) {
      const std::uint32_t k = f_.order[i];
      const status s = poll(k);
      if (s == status::ok || s == status::closed) {
        lk.unlock();
        watching.end();
        return {s == status::ok ? round_end::ok : round_end::closed, k};
      }
    }
    if constexpr (S.fallback) {
      lk.unlock();
      if constexpr (S.watched) {
        const bool changed = ctx_.selected() != select_ctx<B>::waiting;
        watching.end();
        if (changed) return {round_end::again, none};  // a watched channel became ready
      }
      return {round_end::fallback, none};
    } else {
      return block(lk);
    }
  }

 private:
  class locks;

  // Steps 2 to 4, out of line: a select that blocks pays a park or a spin anyway, and every
  // select of this shape and backend shares one copy. The poll above stays inline at the
  // select statement, where the compiler sees which table each slot has.
  [[gnu::noinline]] round_result block(locks& lk) {
    // 2. Register: the mutex-based cases under their locks, then the lock-free ones, both in
    // the shuffled order (two cases on one channel queue in it: either may meet the partner
    // that arrives — Go's TestPseudoRandomSend).
    if constexpr (S.locked) {
      for (std::uint32_t i = 0; i < f_.channel_cases; ++i) {
        case_slot& c = f_.slots[f_.order[i]];
        if (c.locked()) c.ops->enqueue(c.ch, c.state);
      }
    }
    lk.unlock();
    std::uint32_t won = none;
    wake_kind kind = wake_kind::retry;
    bool wait = true;
    try {
      for (std::uint32_t i = 0; i < f_.channel_cases; ++i) {
        const std::uint32_t k = f_.order[i];
        if (ctx_.selected() != select_ctx<B>::waiting) break;  // claimed meanwhile
        if (!f_.slots[k].lock_free()) continue;
        const enlisted r = enlist(k);
        if (r == enlisted::waiting) continue;
        if (r == enlisted::done) {
          won = k;
          kind = wake_kind::done;
          wait = false;
        } else if (r == enlisted::restart || (r == enlisted::ready && ctx_.abort())) {
          wait = false;  // poll again
        }
        break;  // otherwise another case claimed us first: wait for its outcome
      }
    } catch (...) {
      (void)withdraw(lk, none);  // we claimed ourselves before the transfer threw
      throw;
    }
    // 3. Sleep until a channel claims the select.
    if (wait) {
      sync::observe<B>(sync::point::select_waiting);
      kind = ctx_.wait();
      won = ctx_.selected();
    }
    // 4. Withdraw.
    const std::exception_ptr error = withdraw(lk, won);
    switch (kind) {
      case wake_kind::done: return {round_end::ok, won};
      case wake_kind::closed: return {round_end::closed, won};
      case wake_kind::failed: std::rethrow_exception(error);
      case wake_kind::retry: break;
    }
    return {round_end::again, none};
  }

  // The mutex-based channels of the cases, locked in the order of their creation numbers (one
  // total order for every select, as Go's address order), each once (Go's sellock).
  class locks {
   public:
    explicit locks(const select_frame& f) : f_(f) { lock(); }
    ~locks() {
      if (S.locked && held_) unlock();
    }
    locks(const locks&) = delete;
    locks& operator=(const locks&) = delete;

    [[gnu::always_inline]] void lock() {
      if constexpr (!S.locked) return;
      for (std::uint32_t i = 0; i < f_.locks; ++i) {
        const case_slot& c = f_.slots[f_.lock_order[i]];
        c.ops->lock(c.ch);
      }
      held_ = true;
    }
    [[gnu::always_inline]] void unlock() noexcept {
      if constexpr (!S.locked) return;
      for (std::uint32_t i = f_.locks; i-- > 0;) {
        const case_slot& c = f_.slots[f_.lock_order[i]];
        c.ops->unlock(c.ch);
      }
      held_ = false;
    }

   private:
    const select_frame& f_;
    bool held_ = false;
  };

  void shuffle() noexcept {
    for (std::uint32_t i = f_.channel_cases; i > 1; --i) {  // Fisher-Yates
      const std::uint32_t j = B::random(i);
      std::swap(f_.order[i - 1], f_.order[j]);
    }
  }

  // Registers lock-free case k. Only one case per unbuffered channel waits in a cell: a later
  // case on the same channel watches it (it must not meet its own select's waiter).
  enlisted enlist(std::uint32_t k) {
    case_slot& c = f_.slots[k];
    bool watch_only = false;
    std::uint64_t ignore = no_position;
    for (std::uint32_t j = 0; j < f_.n; ++j) {
      const case_slot& other = f_.slots[j];
      if (other.lock_free() && other.enlisted && other.key == c.key) {
        watch_only = true;
        const std::uint64_t at = other.ops->linked_at(other.state);
        if (at != no_position) ignore = at;
      }
    }
    c.enlisted = true;
    return c.ops->enlist(c.ch, c.state, watch_only, ignore);
  }

  // Unlinks every waiter and watcher still registered; the exception case `won` failed with.
  std::exception_ptr withdraw(locks& lk, std::uint32_t won) {
    std::exception_ptr error;
    if constexpr (S.locked) {
      lk.lock();
      for (std::uint32_t k = 0; k < f_.n; ++k) {
        case_slot& c = f_.slots[k];
        if (!c.locked()) continue;
        std::exception_ptr e = c.ops->dequeue(c.ch, c.state);
        if (k == won) error = std::move(e);
      }
      lk.unlock();
    }
    if constexpr (S.lock_free) delist_lock_free();
    return error;
  }

  void delist_lock_free() {
    for (std::uint32_t k = 0; k < f_.n; ++k) {
      case_slot& c = f_.slots[k];
      if (c.lock_free() && c.enlisted) c.ops->delist(c.ch, c.state);
      c.enlisted = false;
    }
  }

  // The watchers of a watched poll: linked on construction, unlinked by end() or, if the poll
  // throws, by the destructor — before the select's context dies. A default must mean "no
  // case was ready at one instant" (Go's poll holds every channel's lock). The mutex-based
  // channels are frozen by their locks during the poll and one lock-free poll is an instant of
  // its own; with two or more lock-free cases the select watches them across the poll
  // (select_shape::watched).
  class watch_guard {
   public:
    explicit watch_guard(select_round& r) : r_(r) {
      if constexpr (!S.watched) return;
      active_ = true;
      for (std::uint32_t k = 0; k < r_.f_.n; ++k) {
        case_slot& c = r_.f_.slots[k];
        if (!c.lock_free()) continue;
        c.enlisted = true;
        // The readiness it reports is for a blocked select; the poll follows anyway.
        (void)c.ops->enlist(c.ch, c.state, /*watch_only=*/true, no_position);
      }
    }
    ~watch_guard() { end(); }
    watch_guard(const watch_guard&) = delete;
    watch_guard& operator=(const watch_guard&) = delete;

    void end() {
      if (S.watched && active_) r_.delist_lock_free();
      active_ = false;
    }

   private:
    select_round& r_;
    bool active_ = false;
  };

  select_ctx<B>& ctx_;
  const select_frame& f_;
};

// Sorts a select's (key, case index) pairs by key, stably: an insertion sort, for a handful of
// cases, and one function for every select of the program.
inline void sort_by_key(std::pair<std::uint64_t, std::uint32_t>* a, std::size_t m) noexcept {
  for (std::size_t i = 1; i < m; ++i) {
    const std::pair<std::uint64_t, std::uint32_t> x = a[i];
    std::size_t j = i;
    for (; j > 0 && a[j - 1].first > x.first; --j) a[j] = a[j - 1];
    a[j] = x;
  }
}

// The protocol of a select over cases of the given kinds: the cases' states and slots, and the
// rounds. run() ends with the case chosen; the statement then runs its handler (select below).
template <class B, class... Kinds>
class selector {
  static constexpr std::size_t n = sizeof...(Kinds);
  static constexpr std::size_t defaults =
      (std::size_t{std::is_same_v<Kinds, default_kind>} + ... + 0);
  static_assert(defaults <= 1, "csp::select: at most one on_default case");
  static constexpr std::size_t channel_cases = n - defaults;
  static constexpr std::size_t lock_free_cases = (std::size_t{lock_free_kind<Kinds>} + ... + 0);
  // (Mutant select_default_unwatched: no watching; the default can be taken while a case was
  // ready at every moment.)
  static constexpr select_shape shape{
      .locked = lock_free_cases<channel_cases, .lock_free = lock_free_cases> 0,
      .fallback = defaults == 1,
      .watched = defaults == 1 && lock_free_cases >= 2 &&
                 !sync::planted<B, mutation::select_default_unwatched>};

  using states = std::tuple<typename state_of<Kinds, B>::type...>;
  using index = std::index_sequence_for<Kinds...>;

 public:
  static constexpr std::uint32_t default_index = [] {
    constexpr bool flags[] = {std::is_same_v<Kinds, default_kind>...};
    std::uint32_t i = 0;
    while (i < n && !flags[i]) ++i;
    return i;
  }();

  explicit selector(const case_input<Kinds>&... in) noexcept : in_(in...) {
    for (std::uint32_t i = 0, k = 0; i < n; ++i) {
      if (i != default_index) order_[k++] = i;
    }
    if constexpr (shape.locked) order_locks(index{});
  }

  // Runs rounds until one ends: `ok` or `closed` for case `index` (a receive case's value, or
  // nullopt, is in value<index>()), or `fallback` with the default's index.
  round_result run() {
    for (;;) {
      select_ctx<B> ctx;
      states st = make_states(ctx, index{});
      std::array<case_slot, n> slots = make_slots(st, index{});
      const select_frame frame{slots.data(),       static_cast<std::uint32_t>(n),
                               order_.data(),      static_cast<std::uint32_t>(channel_cases),
                               lock_order_.data(), locks_};
      const round_result r = select_round<B, shape>(ctx, frame).run([&](std::uint32_t k) {
        status s = status::empty;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
          ((I == k ? void(s = poll(std::get<I>(in_), std::get<I>(st))) : void()), ...);
        }
        (index{});
        return s;
      });
      switch (r.end) {
        case round_end::ok:
        case round_end::closed: return r;
        case round_end::fallback: return {round_end::fallback, default_index};
        case round_end::again: break;
      }
    }
  }

  template <std::size_t I>
  typename case_value<std::tuple_element_t<I, std::tuple<Kinds...>>>::type& value() noexcept {
    return std::get<I>(values_);
  }

 private:
  // The mutex-based channels of the cases, each once, in the order of their creation numbers
  // (one total order for every select, as Go's address order; Go's sellock).
  template <std::size_t... I>
  void order_locks(std::index_sequence<I...>) noexcept {
    std::array<std::pair<std::uint64_t, std::uint32_t>, n> by_key{};
    std::size_t m = 0;
    const auto add = [&]<class Kind>(const case_input<Kind>& in, std::uint32_t i) {
      if constexpr (locked_kind<Kind>) by_key[m++] = {select_access::key(*in.ch), i};
    };
    (add(std::get<I>(in_), static_cast<std::uint32_t>(I)), ...);
    // The planted bug: lock in argument order; two selects naming the same two channels in
    // opposite orders each hold one lock and wait for the other's.
    if constexpr (!sync::planted<B, mutation::select_locks_in_case_order>) {
      sort_by_key(by_key.data(), m);
    }
    for (std::size_t i = 0; i < m; ++i) {
      if (i == 0 || by_key[i].first != by_key[i - 1].first)
        lock_order_[locks_++] = by_key[i].second;
    }
  }

  template <std::size_t... I>
  states make_states(select_ctx<B>& ctx, std::index_sequence<I...>) {
    return states(state_init<Kinds, B>{std::get<I>(in_), std::get<I>(values_), ctx,
                                       static_cast<std::uint32_t>(I)}...);
  }

  template <std::size_t... I>
  std::array<case_slot, n> make_slots(states& st, std::index_sequence<I...>) {
    return {slot(std::get<I>(in_), std::get<I>(st))...};
  }
  template <class Kind, class State>
  static case_slot slot(const case_input<Kind>& in, State& s) noexcept {
    if constexpr (std::is_same_v<Kind, default_kind>) {
      return {};
    } else {
      using Chan = typename Kind::channel_type;
      return {&case_ops_of<Chan, Kind::is_send, B>::table, in.ch, &s, select_access::key(*in.ch)};
    }
  }

  template <class Kind, class State>
  static status poll(const case_input<Kind>& in, State& s) {
    if constexpr (std::is_same_v<Kind, default_kind>) {
      return status::empty;  // never polled
    } else {
      return case_ops_of<typename Kind::channel_type, Kind::is_send, B>::poll(in.ch, &s);
    }
  }

  std::tuple<case_input<Kinds>...> in_;
  std::tuple<typename case_value<Kinds>::type...> values_;
  std::array<std::uint32_t, channel_cases> order_{};
  std::array<std::uint32_t, n> lock_order_{};
  std::uint32_t locks_ = 0;
};

// Runs the handler of the case a select chose (`k`): its operation completed (ok), or it found
// the channel closed; or the default.
template <class Sel, std::size_t I, class Case>
void finish_case(Sel& sel, Case& c, bool ok) {
  if constexpr (is_default_case<Case>) {
    c.f();
  } else if constexpr (Case::is_send) {
    if (!ok) throw closed_channel_error("csp::select: send on closed channel");
    c.f();
  } else {
    run_recv_handler(c.f, std::move(sel.template value<I>()));  // nullopt if !ok
  }
}
template <class Sel, std::size_t... I, class... Cases>
void finish(Sel& sel, std::index_sequence<I...>, std::uint32_t k, bool ok, Cases&... cases) {
  ((I == k ? finish_case<Sel, I>(sel, cases, ok) : void()), ...);
}

}  // namespace detail

// A receive case: `f(std::optional<T>)` (or `f()`) runs with the value received, or nullopt if
// the channel is closed and drained.
template <class R, class F = detail::ignore_handler>
requires detail::selectable<R>
[[nodiscard]] auto on_recv(const R& r, F&& f = {}) {
  static_assert(!detail::is_send_only<R>, "csp::on_recv: cannot receive from a send_only view");
  using chan = typename detail::select_channel<R>::type;
  using T = typename chan::value_type;
  static_assert(std::is_invocable_v<std::decay_t<F>&, std::optional<T>&&> ||
                    std::is_invocable_v<std::decay_t<F>&>,
                "csp::on_recv: the handler takes std::optional<T> (nullopt: closed), or nothing");
  return detail::recv_case<chan, std::decay_t<F>>{detail::select_channel<R>::of(r),
                                                  std::forward<F>(f)};
}

// A send case: `v` is sent (moved or copied from) only if this case is chosen; then `f()` runs.
// Chosen on a closed channel, select throws closed_channel_error.
template <class S, class U, class F = detail::ignore_handler>
requires detail::selectable<S> &&
    std::constructible_from<typename detail::select_channel<S>::type::value_type,
                            U &&> [[nodiscard]] auto
    on_send(const S& s, U&& v, F&& f = {}) {
  static_assert(!detail::is_recv_only<S>, "csp::on_send: cannot send on a recv_only view");
  static_assert(std::is_invocable_v<std::decay_t<F>&>, "csp::on_send: the handler takes nothing");
  using chan = typename detail::select_channel<S>::type;
  return detail::send_case<chan, U, std::decay_t<F>>{detail::select_channel<S>::of(s),
                                                     std::forward<U>(v), std::forward<F>(f)};
}

// Makes a select non-blocking: `f()` runs if no other case is ready.
template <class F>
[[nodiscard]] auto on_default(F&& f) {
  static_assert(std::is_invocable_v<std::decay_t<F>&>,
                "csp::on_default: the handler takes nothing");
  return detail::default_case<std::decay_t<F>>{std::forward<F>(f)};
}

// Go's select: see the top of this file.
template <class... Cases>
std::size_t select(Cases&&... cases) {
  static_assert(sizeof...(Cases) > 0,
                "csp::select: needs at least one case (Go's empty select blocks forever)");
  static_assert((!std::is_lvalue_reference_v<Cases> && ...),
                "csp::select: pass the cases straight from on_recv / on_send / on_default");
  using B = typename detail::common_backend<std::remove_cvref_t<Cases>...>::type;
  if constexpr (std::is_void_v<B>) {  // a lone on_default
    (cases.f(), ...);
    return 0;
  } else {
    detail::selector<B, typename detail::kind_of<std::remove_cvref_t<Cases>>::type...> sel(
        detail::input_of(cases)...);
    const detail::round_result r = sel.run();
    detail::finish(sel, std::index_sequence_for<Cases...>{}, r.index,
                   r.end != detail::round_end::closed, cases...);
    return r.index;
  }
}

}  // namespace csp
