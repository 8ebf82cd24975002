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

#include <algorithm>
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

// Whether a case's channel is a mutex-based one (false for the default case).
template <class Case>
inline constexpr bool locked_case = [] {
  if constexpr (is_default_case<Case>) {
    return false;
  } else {
    return select_family<typename Case::channel_type>::locked;
  }
}();
template <class Case>
inline constexpr bool lock_free_case = !is_default_case<Case> && !locked_case<Case>;

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
  static auto key(const C& c) noexcept {
    return c.select_key();
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

// What a case's state is made from.
template <class Case, class B>
struct state_init {
  const Case& c;
  select_ctx<B>& ctx;
  std::uint32_t index;
};

// A case's state during one round of a select: its value in flight and its registration.
template <class Case, class B, bool Locked = locked_case<Case>>
struct case_state;

template <class Chan, class F, class B>
struct case_state<recv_case<Chan, F>, B, true> {
  using T = typename Chan::value_type;
  explicit case_state(const state_init<recv_case<Chan, F>, B>& i) : dst(value) {
    w.dst = &dst;
    w.sel = &i.ctx;
    w.case_index = i.index;
  }
  std::optional<T> value;
  sink<T> dst;
  typename select_access::mb_waiter<Chan>::type w;
};

template <class Chan, class U, class F, class B>
struct case_state<send_case<Chan, U, F>, B, true> {
  using T = typename Chan::value_type;
  explicit case_state(const state_init<send_case<Chan, U, F>, B>& i)
      : src(source<T>::template of<U>(i.c.v)) {
    w.src = &src;
    w.sel = &i.ctx;
    w.case_index = i.index;
  }
  source<T> src;
  typename select_access::mb_waiter<Chan>::type w;
};

template <class Chan, class F, class B>
struct case_state<recv_case<Chan, F>, B, false> {
  using T = typename Chan::value_type;
  explicit case_state(const state_init<recv_case<Chan, F>, B>& i) : dst(value) {
    e.w.dst = &dst;
    e.w.sel = &i.ctx;
    e.w.case_index = i.index;
    e.watch.ctx = &i.ctx;
    e.watch.index = i.index;
  }
  std::optional<T> value;
  sink<T> dst;
  typename select_access::lf_entry<Chan>::type e;
  bool enlisted = false;
};

template <class Chan, class U, class F, class B>
struct case_state<send_case<Chan, U, F>, B, false> {
  using T = typename Chan::value_type;
  // The ring stages the value before it knows whether the send succeeds: as the channel's own
  // sends, convert so that it can be given back (csp/detail/channel_transfer.hpp).
  static_assert(stageable_v<T, U>,
                "csp::on_send on a lock-free channel: an rvalue of a move-only type other than "
                "the channel's value_type cannot be given back if the case loses; convert it "
                "first: on_send(ch, T(std::move(v)))");
  using arg = staged_arg_t<T, U>;

  explicit case_state(const state_init<send_case<Chan, U, F>, B>& i)
      : src(source<T>::template of<arg>(i.c.v)) {
    e.w.src = &src;
    e.w.sel = &i.ctx;
    e.w.case_index = i.index;
    e.watch.ctx = &i.ctx;
    e.watch.index = i.index;
  }
  source<T> src;
  typename select_access::lf_entry<Chan>::type e;
  bool enlisted = false;
};

template <class F, class B>
struct case_state<default_case<F>, B, false> {
  explicit case_state(const state_init<default_case<F>, B>&) noexcept {}
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

template <class B, class... Cases>
class selector {
  static constexpr std::size_t n = sizeof...(Cases);
  static constexpr std::size_t defaults = (std::size_t{is_default_case<Cases>} + ... + 0);
  static_assert(defaults <= 1, "csp::select: at most one on_default case");
  static constexpr std::size_t default_index = [] {
    constexpr bool flags[] = {is_default_case<Cases>...};
    std::size_t i = 0;
    while (i < n && !flags[i]) ++i;
    return i;
  }();
  static constexpr std::size_t channel_cases = n - defaults;
  static constexpr std::size_t lock_free_cases = (std::size_t{lock_free_case<Cases>} + ... + 0);
  // A default must mean "no case was ready at one instant" (Go's poll holds every channel's
  // lock). The mutex-based channels are frozen by their locks during the poll and one
  // lock-free poll is an instant of its own; with two or more lock-free cases the select
  // watches them across the poll (see run()).
  // (Mutant select_default_unwatched: no watching; the default can be taken while a case was
  // ready at every moment.)
  static constexpr bool watched_poll = defaults == 1 && lock_free_cases >= 2 &&
                                       !sync::planted<B, mutation::select_default_unwatched>;
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  static constexpr std::uint64_t no_position = ~std::uint64_t{0};

  using states = std::tuple<case_state<Cases, B>...>;
  using order_t = std::array<std::uint32_t, channel_cases>;

 public:
  explicit selector(Cases&... cases) noexcept : cases_(cases...) {}

  std::size_t run() {
    order_t order{};
    for (std::uint32_t i = 0, k = 0; i < n; ++i) {
      if (i != default_index) order[k++] = i;
    }
    for (;;) {
      shuffle(order);
      locks lk(*this);
      select_ctx<B> ctx;
      states st = make_states(ctx, std::index_sequence_for<Cases...>{});
      // With a default over several lock-free channels, watch them all before polling: an
      // operation that makes one ready during the poll claims ctx (with `retry`) before it
      // returns. So if the poll finds nothing and ctx is still unclaimed, every lock-free
      // channel was not ready from its own poll until the end of the poll, except for changes
      // by operations still in progress, which may be ordered after this select: at the last
      // poll no case was ready — the default is linearizable (Go's TestNonblockSelectRace).
      watch_guard watching(*this, st);

      // 1. Poll, in the shuffled order.
      for (const std::uint32_t k : order) {
        status s = status::empty;
        on(k, st, [&](const auto& c, auto& state) { s = poll(c, state); });
        if (s == status::ok || s == status::closed) {
          lk.unlock();
          watching.end();
          return finish(k, st, s == status::ok);
        }
      }
      if constexpr (defaults == 1) {
        lk.unlock();
        if constexpr (watched_poll) {
          const bool changed = ctx.selected() != select_ctx<B>::waiting;
          watching.end();
          if (changed) continue;  // a watched channel became ready during the poll: again
        }
        std::get<default_index>(cases_).f();
        return default_index;
      } else {
        // 2. Register: the mutex-based cases under their locks, then the lock-free ones, both
        // in the shuffled order (two cases on one channel queue in it: either may meet the
        // partner that arrives — Go's TestPseudoRandomSend).
        for (const std::uint32_t k : order) {
          on(k, st, [&](const auto& c, auto& state) {
            if constexpr (locked_case<std::remove_cvref_t<decltype(c)>>) {
              select_access::enqueue(c.ch, state.w);
            }
          });
        }
        lk.unlock();
        std::uint32_t won = none;
        wake_kind kind = wake_kind::retry;
        bool wait = true;
        try {
          for (const std::uint32_t k : order) {
            if (ctx.selected() != select_ctx<B>::waiting) break;  // claimed meanwhile
            const enlisted r = enlist(k, st);
            if (r == enlisted::waiting) continue;
            if (r == enlisted::done) {
              won = k;
              kind = wake_kind::done;
              wait = false;
            } else if (r == enlisted::restart || (r == enlisted::ready && ctx.abort())) {
              wait = false;  // poll again
            }
            break;  // otherwise another case claimed us first: wait for its outcome
          }
        } catch (...) {
          (void)withdraw(lk, st, none);  // we claimed ourselves before the transfer threw
          throw;
        }
        // 3. Sleep until a channel claims the select.
        if (wait) {
          sync::observe<B>(sync::point::select_waiting);
          kind = ctx.wait();
          won = ctx.selected();
        }
        // 4. Withdraw.
        const std::exception_ptr error = withdraw(lk, st, won);
        switch (kind) {
          case wake_kind::done: return finish(won, st, true);
          case wake_kind::closed: return finish(won, st, false);
          case wake_kind::failed: std::rethrow_exception(error);
          case wake_kind::retry: break;
        }
      }
    }
  }

 private:
  // The mutex-based channels of the cases, locked in the order of their creation numbers (one
  // total order for every select, as Go's address order), each once (Go's sellock).
  class locks {
   public:
    explicit locks(selector& s) {
      std::size_t m = 0;
      s.for_each_case([&](const auto& c) {
        using Case = std::remove_cvref_t<decltype(c)>;
        if constexpr (locked_case<Case>) {
          using Chan = typename Case::channel_type;
          entries_[m++] = {select_access::key(c.ch), &select_access::lock<Chan>,
                           &select_access::unlock<Chan>, &c.ch};
        }
      });
      // The planted bug: lock in argument order; two selects naming the same two channels in
      // opposite orders each hold one lock and wait for the other's.
      if constexpr (!sync::planted<B, mutation::select_locks_in_case_order>) {
        std::sort(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(m),
                  [](const entry& a, const entry& b) { return a.key < b.key; });
      }
      for (std::size_t i = 0; i < m; ++i) {
        if (count_ == 0 || entries_[i].key != entries_[count_ - 1].key) {
          entries_[count_++] = entries_[i];
        }
      }
      lock();
    }
    ~locks() {
      if (held_) unlock();
    }
    locks(const locks&) = delete;
    locks& operator=(const locks&) = delete;

    void lock() {
      for (std::size_t i = 0; i < count_; ++i) entries_[i].lock(entries_[i].ch);
      held_ = true;
    }
    void unlock() noexcept {
      for (std::size_t i = count_; i-- > 0;) entries_[i].unlock(entries_[i].ch);
      held_ = false;
    }

   private:
    struct entry {
      std::uint64_t key = 0;
      void (*lock)(const void*) = nullptr;
      void (*unlock)(const void*) noexcept = nullptr;
      const void* ch = nullptr;
    };
    std::array<entry, n> entries_{};
    std::size_t count_ = 0;
    bool held_ = false;
  };

  template <std::size_t... I>
  states make_states(select_ctx<B>& ctx, std::index_sequence<I...>) {
    return states(state_init<Cases, B>{std::get<I>(cases_), ctx, static_cast<std::uint32_t>(I)}...);
  }

  static void shuffle(order_t& order) {
    for (std::size_t i = channel_cases; i > 1; --i) {  // Fisher-Yates
      const std::uint32_t j = B::random(static_cast<std::uint32_t>(i));
      std::swap(order[i - 1], order[j]);
    }
  }

  template <class F>
  void for_each_case(F&& f) {
    std::apply([&](auto&... c) { (f(c), ...); }, cases_);
  }
  // f(case, state, index) for every case.
  template <class F>
  void for_each(states& st, F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (f(std::get<I>(cases_), std::get<I>(st), std::integral_constant<std::uint32_t, I>{}), ...);
    }
    (std::index_sequence_for<Cases...>{});
  }
  // f(case, state) for case k.
  template <class F>
  void on(std::uint32_t k, states& st, F&& f) {
    for_each(st, [&](auto& c, auto& state, auto i) {
      if (i == k) f(c, state);
    });
  }

  template <class Case, class State>
  static status poll(const Case& c, State& s) {
    if constexpr (is_default_case<Case>) {
      return status::empty;  // never polled
    } else if constexpr (Case::is_send) {
      return select_access::poll_send(c.ch, s.src);
    } else {
      return select_access::poll_recv(c.ch, s.dst);
    }
  }

  // Registers lock-free case k. Only one case per unbuffered channel waits in a cell: a later
  // case on the same channel watches it (it must not meet its own select's waiter).
  enlisted enlist(std::uint32_t k, states& st) {
    enlisted r = enlisted::waiting;
    on(k, st, [&](const auto& c, auto& s) {
      if constexpr (lock_free_case<std::remove_cvref_t<decltype(c)>>) {
        bool watch_only = false;
        std::uint64_t ignore = no_position;
        for_each(st, [&](const auto& c2, auto& s2, auto) {
          if constexpr (lock_free_case<std::remove_cvref_t<decltype(c2)>>) {
            if (s2.enlisted && select_access::key(c2.ch) == select_access::key(c.ch)) {
              watch_only = true;
              if (s2.e.linked) ignore = s2.e.p;
            }
          }
        });
        s.enlisted = true;
        r = select_access::enlist(c.ch, s.e, watch_only, ignore);
      }
    });
    return r;
  }

  // Unlinks every waiter and watcher still registered; the exception case `won` failed with.
  std::exception_ptr withdraw(locks& lk, states& st, std::uint32_t won) {
    std::exception_ptr error;
    lk.lock();
    for_each(st, [&](const auto& c, auto& s, auto i) {
      if constexpr (locked_case<std::remove_cvref_t<decltype(c)>>) {
        std::exception_ptr e = select_access::dequeue(c.ch, s.w);
        if (i == won) error = std::move(e);
      }
    });
    lk.unlock();
    delist_lock_free(st);
    return error;
  }

  void delist_lock_free(states& st) {
    for_each(st, [&](const auto& c, auto& s, auto) {
      if constexpr (lock_free_case<std::remove_cvref_t<decltype(c)>>) {
        if (s.enlisted) select_access::delist(c.ch, s.e);
        s.enlisted = false;
      }
    });
  }

  // The watchers of a watched poll (watched_poll): linked on construction, unlinked by end()
  // or, if the poll throws, by the destructor — before the select's context dies.
  class watch_guard {
   public:
    watch_guard(selector& s, states& st) : s_(s), st_(st) {
      if constexpr (watched_poll) {
        s_.for_each(st_, [](const auto& c, auto& state, auto) {
          if constexpr (lock_free_case<std::remove_cvref_t<decltype(c)>>) {
            state.enlisted = true;
            // The readiness it reports is for a blocked select; the poll follows anyway.
            (void)select_access::enlist(c.ch, state.e, /*watch_only=*/true, no_position);
          }
        });
      }
    }
    ~watch_guard() { end(); }
    watch_guard(const watch_guard&) = delete;
    watch_guard& operator=(const watch_guard&) = delete;

    void end() {
      if constexpr (watched_poll) s_.delist_lock_free(st_);
    }

   private:
    selector& s_;
    states& st_;
  };

  // Runs case k's handler: its operation completed (ok), or it found the channel closed.
  std::size_t finish(std::uint32_t k, states& st, bool ok) {
    on(k, st, [&](auto& c, auto& s) {
      using Case = std::remove_cvref_t<decltype(c)>;
      if constexpr (is_default_case<Case>) {
        // never chosen this way
      } else if constexpr (Case::is_send) {
        if (!ok) throw closed_channel_error("csp::select: send on closed channel");
        c.f();
      } else {
        run_recv_handler(c.f, std::move(s.value));  // nullopt if !ok
      }
    });
    return k;
  }

  std::tuple<Cases&...> cases_;
};

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
    return detail::selector<B, std::remove_cvref_t<Cases>...>(cases...).run();
  }
}

}  // namespace csp
