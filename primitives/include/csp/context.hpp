// <csp/context.hpp> — Go's context: cancellation and deadlines that flow down a call tree.
//
//   auto [ctx, cancel] = csp::with_timeout(csp::background(), 2s);
//   worker_threads_use(ctx);          // each loops until ctx.done() is closed
//   ...
//   cancel();                         // or the deadline passes: ctx.err() says which
//
//   for (;;) {                        // a worker
//     std::monostate unit;
//     if (ctx.done().try_recv(unit) == csp::status::closed) return;   // or select on it
//     step();
//   }
//
// A context is a handle (like Go's Context value): copies share one node, == compares
// identity. background() is the root, never canceled. with_cancel(parent),
// with_timeout(parent, d), with_deadline(parent, t) and with_stop_token(parent, token) derive a
// child and return {child, cancel}; cancel() cancels the child and its descendants, never its
// ancestors, is idempotent, and may be called from any thread. A child is canceled when its
// parent is, with the parent's reason; a deadline child is canceled when its deadline passes
// (reason deadline_exceeded); a child whose parent has an earlier deadline inherits that one.
// Dropping the cancel function leaks nothing (unlike Go): a parent knows its children only
// weakly, and a child unlinks itself when it is canceled or destroyed.
//
//   done()            a recv_only<std::monostate> channel, closed (never sent on) when the
//                     context is canceled: recv() returns nullopt, try_recv returns closed, a
//                     range-for ends, and it is a select case: on_recv(ctx.done(), f).
//                     background()'s is never closed.
//   err()             none until done() is closed; then canceled or deadline_exceeded, forever.
//   deadline()        the deadline, own or inherited, if any.
//   get_stop_token()  std::stop_token interop, one way: a token whose stop is requested when
//                     the context is canceled (after done() is closed and err() is set), for
//                     std::jthread, std::condition_variable_any and std::stop_callback.
//   with_stop_token   the other way: a child canceled (reason canceled) when a stop is requested
//                     on the token, e.g. a std::jthread's — from inside the request_stop() call.
//
// Where callbacks run: the stop_callbacks registered on get_stop_token() run in the thread that
// cancels — for a deadline, the shared timer thread: they must be short and must not wait for a
// timer. No lock of the context is held while they run, so they may use any context.
//
// Synchronization contract
//   C1  For any threads X and Y: if X cancels a context (cancel(), a parent's cancel, the
//       deadline, the stop token) and Y observes it — a receive on done() that returns because
//       the channel is closed, err() returning non-none, or stop_requested() on its token —
//       everything X did before the cancel happens-before Y's observation returns. Cancelling a
//       parent is a cancel of each descendant.
//   C2  done() is closed exactly when err() is non-none, as every thread sees it: a thread
//       that saw done() closed gets non-none from err(), and one that got non-none from err()
//       finds done() closed. The stop token's request comes after both (still before the cancel
//       returns), so stop_requested() implies both, not the converse.
//   C3  When cancel() returns, the context and its descendants are done — except, while another
//       thread's cancel of a descendant D that started first is still running, D's subtree,
//       which that cancel completes (it released D's mutex before walking down).
//
// Invariants
//   I1  state moves once from active to canceled or deadline_exceeded, under the node's mutex,
//       through `cancelling` (see err()); done() is closed in between, exactly once.
//   I2  A child leaves its parent's list (under the parent's mutex) when the parent is canceled
//       (the canceller unlinks them all and cancels the live ones), when it is canceled on its
//       own (it unlinks itself afterwards), or when it is destroyed. A child keeps its parent
//       alive (a shared_ptr); a parent knows its children by raw pointer only and upgrades each
//       through its weak_ptr before use, so a child being destroyed — alive, but blocked on the
//       parent's mutex in its destructor — is unlinked and skipped, never canceled.
//   I3  A context is born canceled if its parent is canceled when it is linked: linking and
//       the parent's cancel take the parent's mutex, so every child is canceled by exactly one.
//   I4  A deadline timer is armed under the node's mutex, only while the node is active, and
//       the cancel that ends it disarms it (outside the mutex), as does the node's destructor.
//   I5  At most one node mutex is held at a time; none is held while stop callbacks run or
//       while a timer is disarmed (which may wait for the timer thread, which cancels). Lock
//       order: a node's mutex, then its done channel's or the timer service's; never reversed.
//
// State encoding (node::state, one atomic word)
//   0 active; 1 cancelling: the cancelling thread holds the mutex and is closing done(); 2
//   canceled; 3 deadline_exceeded (final). `cancelling` is what makes C2 hold without a lock on
//   err()'s fast path: a thread that saw done() closed cannot read 0 (the store of 1 precedes
//   the close), and one that reads 1 takes the mutex and reads the final value.
//
// Incorrect alternatives (the first two were tried as temporary edits; the named tests fail
// or hang on them)
//   * publishing the reason before closing done() with no intermediate state: err() says
//     canceled while done().try_recv() still says empty; publishing it after the close: a
//     thread that saw done() closed gets none from err() — C2 broken either way
//     (ContextHooks.ErrDoesNotRunAheadOfDone / DoneDoesNotRunAheadOfErr: a done() channel
//     whose close() holds the canceller inside the window fails them deterministically).
//   * requesting the stop token while holding the node's mutex: a stop callback that derives
//     a child of the context (with_cancel(ctx) takes that mutex) self-deadlocks
//     (ContextTest.StopCallbacksRunAfterDoneIsClosedAndMayUseTheContext hangs).
//   * a parent that owns its children (shared_ptr) until they are canceled: a program that
//     derives a child per request from a long-lived context and drops the cancel function
//     grows the parent's list forever (Go's documented leak); ChildrenUnlinkOnDestruction
//     checks that the list empties.
//   * cancelling descendants by recursion: a deep chain overflows the stack; the cancel walks
//     the tree with an intrusive stack instead. (Destruction of a very deep chain still
//     recurses: each node releases its parent.)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <utility>
#include <variant>

#include "csp/channel.hpp"
#include "csp/detail/timer_service.hpp"
#include "csp/errors.hpp"
#include "csp/once.hpp"
#include "csp/sync/backend.hpp"

namespace csp {

// Why a context is done: Go's context.Canceled and context.DeadlineExceeded.
enum class context_error : unsigned char { none, canceled, deadline_exceeded };

constexpr const char* to_string(context_error e) noexcept {
  switch (e) {
    case context_error::none: return "none";
    case context_error::canceled: return "context canceled";
    case context_error::deadline_exceeded: return "context deadline exceeded";
  }
  return "?";
}

namespace detail {
struct context_access;
}

// The context over a channel type for done() (value_type std::monostate) and a timer service;
// csp::context is basic_context<>. The node's mutex and state word come from the channel's
// backend.
template <class Channel = csp::channel<std::monostate>, class Service = detail::timer_service<>>
class basic_context {
  using B = typename Channel::backend_type;
  using timer_type = detail::timer<typename Service::time_point>;
  struct node;

  static constexpr std::uint32_t active = 0;
  static constexpr std::uint32_t cancelling = 1;
  static constexpr std::uint32_t canceled_state = 2;
  static constexpr std::uint32_t deadline_state = 3;

 public:
  using channel_type = Channel;
  using service_type = Service;
  using time_point = typename Service::time_point;
  using duration = typename Service::duration;
  using done_channel = typename Channel::recv_only;

  // Cancels its context and the context's descendants. Copyable; idempotent; thread-safe. A
  // default-constructed one does nothing.
  class cancel_func {
   public:
    cancel_func() = default;
    void operator()() const noexcept {
      if (n_) cancel(n_, context_error::canceled);
    }

   private:
    friend class basic_context;
    explicit cancel_func(std::shared_ptr<node> n) : n_(std::move(n)) {}
    std::shared_ptr<node> n_;
  };

  // The process-wide root on the default service: never canceled, no deadline.
  static basic_context background() { return basic_context(csp::singleton<root>::instance().n); }
  // A root on `svc` (e.g. a detail::manual_timer_service in tests).
  static basic_context background(Service& svc) {
    return basic_context(std::make_shared<node>(svc, nullptr, std::nullopt, false));
  }

  // Closed when the context is canceled; never sent on.
  [[nodiscard]] done_channel done() const { return n_->done; }

  [[nodiscard]] context_error err() const noexcept {
    // acquire (E1): pairs with the release store R1 in cancel(); a final value brings what the
    // canceller did before it (C1).
    std::uint32_t s = n_->state.load(std::memory_order_acquire);
    if (s == cancelling) {
      // The canceller holds the mutex from its store of `cancelling` to its final store.
      typename B::unique_lock lk(n_->m);
      s = n_->state.load(std::memory_order_relaxed);  // relaxed: the mutex orders it after R1
    }
    return decode(s);
  }

  [[nodiscard]] std::optional<time_point> deadline() const noexcept { return n_->deadline; }

  // Requested when the context is canceled (C2). background()'s cannot be requested.
  [[nodiscard]] std::stop_token get_stop_token() const noexcept { return n_->stop.get_token(); }

  friend bool operator==(const basic_context& a, const basic_context& b) noexcept {
    return a.n_ == b.n_;
  }

 private:
  friend struct detail::context_access;
  template <class>
  friend struct models::access;

  // A node's place in its parent's list of children; guarded by the parent's mutex.
  struct links {
    node* prev = nullptr;
    node* next = nullptr;
    bool linked = false;
  };
  // What a node's own mutex guards.
  struct guarded {
    node* first_child = nullptr;
    node* last_child = nullptr;
    std::shared_ptr<timer_type> timer;  // the armed deadline timer, until canceled
  };

  // Relays a stop request on a std::stop_token to the context (with_stop_token).
  struct relay {
    std::weak_ptr<node> n;
    void operator()() const noexcept {
      if (auto sp = n.lock()) cancel(sp, context_error::canceled);
    }
  };

  struct node : std::enable_shared_from_this<node> {
    node(Service& s, std::shared_ptr<node> p, std::optional<time_point> d, bool can_cancel)
        : svc(&s),
          parent(std::move(p)),
          deadline(d),
          cancelable(can_cancel),
          stop(can_cancel ? std::stop_source() : std::stop_source(std::nostopstate)) {}
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    ~node() {
      if (parent && parent->cancelable) {
        typename B::unique_lock lk(parent->m);
        parent->unlink(*this);
      }
      // No lock: nobody else can reach a node whose last owner is gone (the timer's callback
      // and the relay hold weak_ptrs, which no longer lock).
      auto t = g.with_mut([](guarded& x) { return std::move(x.timer); });
      if (t) svc->disarm(*t);
    }

    // With m held: appends child c to the list (I2).
    void link(node& c) {
      node* const last = g.with([](const guarded& x) { return x.last_child; });
      c.sib.with_mut([&](links& l) { l = links{last, nullptr, true}; });
      if (last != nullptr) {
        last->sib.with_mut([&](links& l) { l.next = &c; });
      } else {
        g.with_mut([&](guarded& x) { x.first_child = &c; });
      }
      g.with_mut([&](guarded& x) { x.last_child = &c; });
    }

    // With m held: removes child c from the list, if it is still there (I2).
    void unlink(node& c) {
      const links l = c.sib.with([](const links& x) { return x; });
      if (!l.linked) return;
      c.sib.with_mut([](links& x) { x = links{}; });
      if (l.prev != nullptr) {
        l.prev->sib.with_mut([&](links& p) { p.next = l.next; });
      } else {
        g.with_mut([&](guarded& x) { x.first_child = l.next; });
      }
      if (l.next != nullptr) {
        l.next->sib.with_mut([&](links& n) { n.prev = l.prev; });
      } else {
        g.with_mut([&](guarded& x) { x.last_child = l.prev; });
      }
    }

    Service* const svc;
    const std::shared_ptr<node> parent;  // keeps the ancestors (and their mutexes) alive
    const std::optional<time_point> deadline;
    const bool cancelable;  // false for a root: it has no list of children
    // Closed by the cancel (I1), never sent on. Capacity 1 rather than 0, though nothing is
    // ever buffered: a select's case on a buffered lock-free channel watches it (a link in a
    // list), where on an unbuffered one it would draw a rendezvous position per round.
    const Channel done{1};
    std::stop_source stop;  // requested after done is closed (C2)
    typename B::template atomic<std::uint32_t> state{active};
    mutable typename B::mutex m;
    typename B::template cell<guarded> g{};
    typename B::template cell<links> sib{};  // guarded by parent->m
    // The next entry of the cancelling thread's work stack (see cancel()).
    typename B::template cell<std::shared_ptr<node>> cancel_next{};
    // Declared last, destroyed first: deregistered before anything it could reach goes.
    std::optional<std::stop_callback<relay>> from_token;
  };

  struct root {
    std::shared_ptr<node> n =
        std::make_shared<node>(Service::instance(), nullptr, std::nullopt, false);
  };

  explicit basic_context(std::shared_ptr<node> n) : n_(std::move(n)) {}

  static context_error decode(std::uint32_t s) noexcept {
    switch (s) {
      case canceled_state: return context_error::canceled;
      case deadline_state: return context_error::deadline_exceeded;
      default: return context_error::none;
    }
  }

  // Cancels n and its descendants with reason `why` (C3), iteratively. The first cancel of a
  // node wins: under the node's mutex it closes done, publishes the reason, and takes the timer
  // and the children; then, without the mutex (I5), it requests the stop and disarms the timer.
  // Live children go on a stack linked through node::cancel_next, which only the thread that
  // unlinked the child (under the parent's mutex) ever touches: one owner per entry.
  static void cancel(const std::shared_ptr<node>& n, context_error why) noexcept {
    const std::uint32_t final_state =
        why == context_error::deadline_exceeded ? deadline_state : canceled_state;
    bool won_root = false;
    std::shared_ptr<node> stack;
    std::shared_ptr<node> cur = n;
    while (cur) {
      std::shared_ptr<timer_type> armed;
      bool won = false;
      {
        typename B::unique_lock lk(cur->m);
        // relaxed: every store to state happens under this mutex.
        if (cur->state.load(std::memory_order_relaxed) == active) {
          won = true;
          // relaxed: sequenced before the close, which happens-before any receive that returns
          // closed (channel S4); such a receiver can no longer read `active` (C2).
          cur->state.store(cancelling, std::memory_order_relaxed);
          cur->done.close();
          // release (R1): pairs with the acquire load E1 in err() (C1).
          cur->state.store(final_state, std::memory_order_release);
          node* c = cur->g.with_mut([&](guarded& x) {
            armed = std::move(x.timer);
            node* first = x.first_child;
            x.first_child = x.last_child = nullptr;
            return first;
          });
          while (c != nullptr) {
            node* const next =
                c->sib.with_mut([](links& l) { return std::exchange(l, links{}).next; });
            if (auto sp = c->weak_from_this().lock()) {  // null: c is being destroyed
              sp->cancel_next.with_mut([&](std::shared_ptr<node>& s) { s = std::move(stack); });
              stack = std::move(sp);
            }
            c = next;
          }
        }
      }
      if (won) {
        cur->stop.request_stop();  // runs user callbacks: no mutex held (I5)
        if (armed) cur->svc->disarm(*armed);
      }
      if (cur == n) won_root = won;
      cur = std::move(stack);
      if (cur) {
        stack = cur->cancel_next.with_mut([](std::shared_ptr<node>& s) { return std::move(s); });
      }
    }
    // Go's removeFromParent: a context canceled on its own leaves its parent's list.
    if (won_root && n->parent && n->parent->cancelable) {
      typename B::unique_lock lk(n->parent->m);
      n->parent->unlink(*n);
    }
  }

  // A child of p with deadline d (or p's), linked into p's list or born canceled (I3).
  static std::shared_ptr<node> make_child(const std::shared_ptr<node>& p,
                                          std::optional<time_point> d) {
    auto c = std::make_shared<node>(*p->svc, p, d ? d : p->deadline, true);
    context_error inherited = context_error::none;
    if (p->cancelable) {
      typename B::unique_lock lk(p->m);
      // relaxed: read under the mutex every store to state_ is made under.
      inherited = decode(p->state.load(std::memory_order_relaxed));
      if (inherited == context_error::none) p->link(*c);
    }
    if (inherited != context_error::none) cancel(c, inherited);
    return c;
  }

  static std::pair<basic_context, cancel_func> pair_of(std::shared_ptr<node> c) {
    return {basic_context(c), cancel_func(std::move(c))};
  }

  static std::pair<basic_context, cancel_func> derive_cancel(const basic_context& parent) {
    return pair_of(make_child(parent.n_, std::nullopt));
  }

  static std::pair<basic_context, cancel_func> derive_deadline(const basic_context& parent,
                                                               time_point d) {
    const std::shared_ptr<node>& p = parent.n_;
    if (p->deadline && *p->deadline <= d) return derive_cancel(parent);  // the earlier one rules
    auto c = make_child(p, d);
    if (c->svc->now() >= d) {
      cancel(c, context_error::deadline_exceeded);
      return pair_of(std::move(c));
    }
    auto t = std::make_shared<timer_type>([w = std::weak_ptr<node>(c)](time_point) {
      if (auto sp = w.lock()) cancel(sp, context_error::deadline_exceeded);
    });
    typename B::unique_lock lk(c->m);
    // relaxed: read under the mutex every store to state_ is made under.
    if (c->state.load(std::memory_order_relaxed) == active) {  // I4
      c->g.with_mut([&](guarded& x) { x.timer = t; });
      c->svc->arm(t, d, duration::zero());
    }
    lk.unlock();
    return pair_of(std::move(c));
  }

  static std::pair<basic_context, cancel_func> derive_timeout(const basic_context& parent,
                                                              duration d) {
    return derive_deadline(parent, detail::add_saturating(parent.n_->svc->now(), d));
  }

  static std::pair<basic_context, cancel_func> derive_stop_token(const basic_context& parent,
                                                                 std::stop_token token) {
    auto c = make_child(parent.n_, std::nullopt);
    // May run the relay at once (the stop was already requested), with no lock held.
    if (token.stop_possible()) c->from_token.emplace(std::move(token), relay{c});
    return pair_of(std::move(c));
  }

  std::shared_ptr<node> n_;
};

namespace detail {
struct context_access {
  template <class C, class S>
  static auto derive_cancel(const basic_context<C, S>& p) {
    return basic_context<C, S>::derive_cancel(p);
  }
  template <class C, class S>
  static auto derive_deadline(const basic_context<C, S>& p,
                              typename basic_context<C, S>::time_point d) {
    return basic_context<C, S>::derive_deadline(p, d);
  }
  template <class C, class S>
  static auto derive_timeout(const basic_context<C, S>& p,
                             typename basic_context<C, S>::duration d) {
    return basic_context<C, S>::derive_timeout(p, d);
  }
  template <class C, class S>
  static auto derive_stop_token(const basic_context<C, S>& p, std::stop_token token) {
    return basic_context<C, S>::derive_stop_token(p, std::move(token));
  }
};
}  // namespace detail

using context = basic_context<>;
using cancel_func = context::cancel_func;

// Go's context.Background(): the root, never canceled.
inline context background() {
  return context::background();
}

// Go's context.WithCancel: {child, cancel}.
template <class C, class S>
std::pair<basic_context<C, S>, typename basic_context<C, S>::cancel_func> with_cancel(
    const basic_context<C, S>& parent) {
  return detail::context_access::derive_cancel(parent);
}

// Go's context.WithDeadline: canceled with deadline_exceeded at `d` (at once if it has passed),
// or at the parent's deadline if that is earlier.
template <class C, class S>
std::pair<basic_context<C, S>, typename basic_context<C, S>::cancel_func> with_deadline(
    const basic_context<C, S>& parent, typename basic_context<C, S>::time_point d) {
  return detail::context_access::derive_deadline(parent, d);
}

// Go's context.WithTimeout: with_deadline(parent, now + d), saturating.
template <class C, class S, class Rep, class Period>
std::pair<basic_context<C, S>, typename basic_context<C, S>::cancel_func> with_timeout(
    const basic_context<C, S>& parent, const std::chrono::duration<Rep, Period>& d) {
  using duration = typename basic_context<C, S>::duration;
  return detail::context_access::derive_timeout(parent, detail::round_up_saturating<duration>(d));
}

// A child canceled (reason canceled) when a stop is requested on `token` — at once if it
// already was. The registration ends when the child is destroyed.
template <class C, class S>
std::pair<basic_context<C, S>, typename basic_context<C, S>::cancel_func> with_stop_token(
    const basic_context<C, S>& parent, std::stop_token token) {
  return detail::context_access::derive_stop_token(parent, std::move(token));
}

}  // namespace csp
