// csp/mutex_based/channel.hpp — Go's channel, as Go's runtime builds it: one lock per channel.
//
// A channel<T> is a handle (like a Go `chan T`): copies share one channel, == compares identity,
// every operation is const and thread-safe. Capacity 0 is a rendezvous: a send completes only
// when a receiver takes the value. The design is runtime/chan.go's: a mutex guards a ring
// buffer, a closed flag and two FIFO queues of blocked senders and receivers. A blocked thread
// links a waiter record that lives on its own stack into a queue and sleeps on the condition
// variable inside it; the thread that completes its operation hands the value over directly
// (into the receiver's destination, or from the sender's argument), dequeues the waiter, sets
// its outcome and notifies that waiter's condition variable — only that one.
//
// Lifetime: the shared state lives as long as any handle or view. A moved-from handle may only
// be assigned to or destroyed.
//
// Synchronization contract (Go's memory model; all edges come from the mutex: an operation's
// unlock synchronizes with every later lock)
//   S1  A send happens-before the receive that takes its value completes.
//   S2  On an unbuffered channel, a receive happens-before the send it took from completes.
//   S3  On a channel of capacity C, the k-th receive happens-before the (k+C)-th send
//       completes.
//   S4  close() happens-before a receive that returns because the channel is closed.
//
// Invariants (Go's chan.go; asserted by models/channel_suites.hpp). A select's waiter whose
// select another case has claimed is stale: it stays queued until someone meets it and drops
// it, or the select unlinks it; "waiters" below means the others.
//   I1  At least one of sendq and recvq holds no waiter (a select can wait in both queues of
//       one channel, Go's self-select; it never meets itself: only an arriving operation takes
//       a waiter).
//   I2  count > 0 implies recvq holds no waiter; count < capacity implies sendq holds none.
//   I3  A blocked waiter is linked in exactly one queue until the thread that completes (or
//       closes, or times out) its operation unlinks it under the mutex and sets its outcome.
//   I4  Each value sent is received at most once, and values from one sender are received in
//       the order sent (one FIFO buffer; FIFO queues of senders and receivers).
//   I5  After close(): no send succeeds, buffered values are still received, then every
//       receive reports closed; every sender blocked at close() throws with its value unmoved.
//
// Exceptions: a value is moved from only when its operation succeeds. If T's move constructor
// (or assignment, for try_recv) throws, the exception reaches the caller whose value was being
// moved and nothing is lost or duplicated: a buffered value stays buffered, a blocked sender
// stays blocked. One case has no caller on the stack: a receive that frees a slot of a full
// buffer moves the first blocked sender's value into it (Go's direct transfer); if that move
// throws, the receive still succeeds and that sender wakes and rethrows the exception.
//
// Incorrect alternatives (each is a planted mutant that the models must catch)
//   * close() that wakes the blocked receivers but not the blocked senders: a sender sleeps
//     forever instead of throwing — DEADLOCK (mutant ch_mb_close_skips_senders).
//   * one condition variable per channel, shared by senders and receivers, signalled with
//     notify_one(): the signal can wake a thread whose operation did not complete while the
//     one that did sleeps on — the lost wake-up that hit several published channel libraries —
//     DEADLOCK (mutant ch_mb_shared_cv_notify_one).
//   * the "has my operation completed?" predicate read without the mutex before sleeping: the
//     completion can slip in between and its notify finds nobody. Relacy reports the unlocked
//     read of the waiter's outcome as a DATA RACE (mutant ch_mb_check_outside_lock).
//   * close() that wakes the plain receivers it dequeues but drops a select's waiter: the
//     select sleeps on a closed channel — DEADLOCK (mutant ch_mb_close_skips_selects).
//   * a select that returns without unlinking its losing waiters: they stay queued, pointing
//     into a finished select's frame, for the next operation to find (mutant
//     ch_mb_select_keeps_waiter; the models check the queues are empty afterwards).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "csp/detail/channel_transfer.hpp"
#include "csp/detail/channel_views.hpp"
#include "csp/detail/deadline.hpp"
#include "csp/detail/intrusive_fifo.hpp"
#include "csp/detail/select_ctx.hpp"
#include "csp/errors.hpp"
#include "csp/sync/backend.hpp"

namespace csp::detail {
struct select_access;
// Creation numbers: the order in which a select locks several channels (see select_key()).
inline std::atomic<std::uint64_t> next_channel_number{0};
}  // namespace csp::detail

namespace csp::mutex_based {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct ch_mb_close_skips_senders {};
struct ch_mb_shared_cv_notify_one {};
struct ch_mb_check_outside_lock {};
struct ch_mb_close_skips_selects {};
struct ch_mb_select_keeps_waiter {};
}  // namespace mutation

// A handle has a cache line of its own, as the lock-free channel's does (lock_free/channel.hpp
// says why): threads that share it by reference read it on every operation.
template <class T, class B = sync::std_backend>
class alignas(64) channel {
  static_assert(std::is_object_v<T> && !std::is_const_v<T>, "channel<T>: T must be a value type");
  static_assert(std::is_move_constructible_v<T>, "channel<T>: T must be move-constructible");

  using source = detail::source<T>;
  using sink = detail::sink<T>;
  struct no_deadline {};

  static constexpr bool shared_cv = sync::planted<B, mutation::ch_mb_shared_cv_notify_one>;

 public:
  using value_type = T;
  using backend_type = B;

  // Unbuffered: a send completes only when a receiver takes the value.
  channel() : channel(0) {}
  explicit channel(std::size_t capacity) : s_(std::make_shared<state>(capacity)) {}

  // Blocks until the value is buffered or handed to a receiver. Throws closed_channel_error if
  // the channel is closed, also when it is closed while the sender waits; `v` is then unmoved.
  template <class U>
  requires std::constructible_from<T, U&&>
  void send(U&& v) const {
    if (send_core(source::template of<U>(v), mode::block, no_deadline{}) == status::closed) {
      throw closed_channel_error("csp::channel: send on closed channel");
    }
  }

  // Blocks until a value arrives; std::nullopt once the channel is closed and drained.
  [[nodiscard]] std::optional<T> recv() const {
    std::optional<T> out;
    sink dst(out);
    (void)recv_core(dst, mode::block, no_deadline{});
    return out;
  }

  // Never blocks: ok, full (no buffer space, or unbuffered with no receiver waiting), closed.
  template <class U>
  requires std::constructible_from<T, U&&>
  [[nodiscard]] status try_send(U&& v) const {
    return send_core(source::template of<U>(v), mode::poll, no_deadline{});
  }

  // Never blocks: ok, empty (nothing buffered, or unbuffered with no sender waiting), closed
  // (closed and drained).
  [[nodiscard]] status try_recv(T& out) const {
    sink dst(out);
    return recv_core(dst, mode::poll, no_deadline{});
  }

  template <class U, class Rep, class Period>
  requires std::constructible_from<T, U&&>
  [[nodiscard]] status try_send_for(U&& v, const std::chrono::duration<Rep, Period>& d) const {
    return try_send_until(std::forward<U>(v), detail::deadline_after<typename B::clock>(d));
  }
  // ok, timeout, closed; moves from `v` only on ok.
  template <class U, class Clock, class Duration>
  requires std::constructible_from<T, U&&>
  [[nodiscard]] status try_send_until(U&& v,
                                      const std::chrono::time_point<Clock, Duration>& t) const {
    return send_core(source::template of<U>(v), mode::until, t);
  }

  template <class Rep, class Period>
  [[nodiscard]] status try_recv_for(T& out, const std::chrono::duration<Rep, Period>& d) const {
    return try_recv_until(out, detail::deadline_after<typename B::clock>(d));
  }
  // ok, timeout, closed.
  template <class Clock, class Duration>
  [[nodiscard]] status try_recv_until(T& out,
                                      const std::chrono::time_point<Clock, Duration>& t) const {
    sink dst(out);
    return recv_core(dst, mode::until, t);
  }

  // No more sends; buffered values can still be received; wakes every blocked receiver and
  // sender. Throws closed_channel_error if already closed (and changes nothing).
  void close() const;

  bool closed() const noexcept {
    typename B::unique_lock lk(s_->m);
    return s_->guarded.with([](const core& c) { return c.closed; });
  }
  // Go's len(ch): the number of buffered values.
  std::size_t size() const noexcept {
    typename B::unique_lock lk(s_->m);
    return s_->guarded.with([](const core& c) { return c.count; });
  }
  // Go's cap(ch).
  std::size_t capacity() const noexcept { return s_->capacity; }

  // Go's `for v := range ch`.
  detail::recv_iterator<channel> begin() const { return detail::recv_iterator<channel>(*this); }
  std::default_sentinel_t end() const noexcept { return {}; }

  using send_only = detail::send_only_view<channel>;
  using recv_only = detail::recv_only_view<channel>;
  send_only sender() const { return send_only(*this); }
  recv_only receiver() const { return recv_only(*this); }

  friend bool operator==(const channel& a, const channel& b) noexcept { return a.s_ == b.s_; }

 private:
  template <class>
  friend struct models::access;
  friend struct csp::detail::select_access;

  enum class mode { poll, block, until };
  enum class outcome : unsigned char { pending, done, closed, failed, timed_out, retry };

  // A blocked operation, on its thread's stack (Go's sudog).
  struct waiter {
    struct result {
      outcome what = outcome::pending;
      std::exception_ptr error;  // outcome::failed: the sender's value could not be moved
    };

    waiter* prev = nullptr;  // queue links and `linked`: guarded by the channel's mutex
    waiter* next = nullptr;
    bool linked = false;
    const source* src = nullptr;  // a blocked sender's value
    sink* dst = nullptr;          // a blocked receiver's destination
    // A select's case (csp/select.hpp): whoever completes this waiter must first win the
    // select's claim (Go's selectDone); the select sleeps on the context, not on cv.
    detail::select_ctx<B>* sel = nullptr;
    std::uint32_t case_index = 0;
    typename B::condition_variable cv;
    typename B::template cell<result> res{};  // guarded by the channel's mutex
  };

  // Everything the mutex guards, in one cell so the models check that it does.
  struct core {
    explicit core(std::size_t cap)
        : ring(cap > 0 ? std::make_unique<std::optional<T>[]>(cap) : nullptr), capacity(cap) {}
    std::optional<T>& at(std::size_t i) { return ring[(head + i) % capacity]; }

    std::unique_ptr<std::optional<T>[]> ring;
    std::size_t capacity;
    std::size_t head = 0;
    std::size_t count = 0;
    bool closed = false;
    detail::intrusive_fifo<waiter> sendq;
    detail::intrusive_fifo<waiter> recvq;
  };

  struct no_cv {};
  struct state {
    explicit state(std::size_t cap) : capacity(cap), guarded(cap) {}
    const std::size_t capacity;
    const std::uint64_t number =  // relaxed: unique and totally ordered; publishes nothing
        detail::next_channel_number.fetch_add(1, std::memory_order_relaxed);
    typename B::mutex m;
    typename B::template cell<core> guarded;
    // Only the planted bug ch_mb_shared_cv_notify_one has a channel-wide condition variable.
    [[no_unique_address]] std::conditional_t<shared_cv, typename B::condition_variable, no_cv> cv;
  };

  // Called with the mutex held: whether waiter w can still be completed. A plain waiter can; a
  // select's only if this channel wins the select's claim — if another case won, w is stale
  // and the caller unlinks it and moves on to the next waiter (Go's dequeue).
  static bool claimable(waiter& w) noexcept {
    return w.sel == nullptr || w.sel->claim(w.case_index);
  }

  // Called with the mutex held, waiter unlinked (and claimed, for a select's): publish the
  // outcome and wake that waiter.
  void wake(waiter& w, outcome what, std::exception_ptr error = nullptr) const {
    w.res.with_mut([&](typename waiter::result& r) {
      r.what = what;
      r.error = std::move(error);
    });
    if (w.sel != nullptr) {
      // The select reads `res` (for `failed`) under this mutex after it wakes.
      w.sel->wake(what == outcome::done     ? detail::wake_kind::done
                  : what == outcome::closed ? detail::wake_kind::closed
                  : what == outcome::failed ? detail::wake_kind::failed
                                            : detail::wake_kind::retry);
      return;
    }
    if constexpr (shared_cv) {
      s_->cv.notify_one();
    } else {
      w.cv.notify_one();  // under the mutex: w cannot return (and destroy cv) before we unlock
    }
  }

  typename B::condition_variable& cv_of(waiter& w) const {
    if constexpr (shared_cv) {
      return s_->cv;
    } else {
      return w.cv;
    }
  }

  // Sleeps until w has an outcome or the deadline passes; on timeout unlinks w from `q`.
  template <class Deadline>
  outcome park(typename B::unique_lock& lk, waiter& w, detail::intrusive_fifo<waiter> core::*q,
               const Deadline& deadline) const {
    const auto outcome_of = [&] {
      return w.res.with([](const typename waiter::result& r) { return r.what; });
    };
    for (;;) {
      if constexpr (sync::planted<B, mutation::ch_mb_check_outside_lock>) {
        lk.unlock();
        const bool pending = outcome_of() == outcome::pending;  // the planted bug: unlocked
        lk.lock();
        if (!pending) return outcome_of();
      } else {
        if (const outcome o = outcome_of(); o != outcome::pending) return o;
      }
      if constexpr (std::is_same_v<Deadline, no_deadline>) {
        cv_of(w).wait(lk);
      } else if (cv_of(w).wait_until(lk, deadline) == std::cv_status::timeout) {
        if (const outcome o = outcome_of(); o != outcome::pending) return o;  // completed anyway
        s_->guarded.with_mut([&](core& c) { (c.*q).erase(&w); });
        return outcome::timed_out;
      }
    }
  }

  enum class step { ok, closed, block };

  // A send's attempt to complete now, with the mutex held: hand the value to the first
  // receiver that can still take it, or buffer it.
  step send_step(core& c, const source& src) const {
    if (c.closed) return step::closed;
    while (waiter* r = c.recvq.front()) {  // a receiver waits: hand the value straight to it
      if (!claimable(*r)) {                // a select that completed another case: stale
        c.recvq.erase(r);
        continue;
      }
      try {
        r->dst->put(src);  // may throw: a plain receiver stays queued
      } catch (...) {
        if (r->sel != nullptr) {  // its claim is spent: it polls again
          c.recvq.erase(r);
          wake(*r, outcome::retry);
        }
        throw;
      }
      c.recvq.erase(r);
      wake(*r, outcome::done);
      return step::ok;
    }
    if (c.count < c.capacity) {    // room in the buffer (I2: then no sender waits)
      src.emplace(c.at(c.count));  // may throw: count unchanged
      ++c.count;
    } else {
      return step::block;
    }
    return step::ok;
  }

  // The first blocked sender that can still be completed (stale select waiters are dropped).
  static waiter* first_sender(core& c) noexcept {
    while (waiter* snd = c.sendq.front()) {
      if (claimable(*snd)) return snd;
      c.sendq.erase(snd);
    }
    return nullptr;
  }

  // A receive's attempt to complete now, with the mutex held.
  step recv_step(core& c, sink& dst) const {
    if (c.count > 0) {
      std::optional<T>& head = c.at(0);
      dst.put(*head);  // may throw: nothing popped
      head.reset();
      c.head = (c.head + 1) % c.capacity;
      --c.count;
      // The buffer was full if a sender waits (I2): move its value into the freed slot.
      if (waiter* snd = first_sender(c)) {
        c.sendq.erase(snd);
        try {
          snd->src->emplace(c.at(c.count));
          ++c.count;
          wake(*snd, outcome::done);
        } catch (...) {
          wake(*snd, outcome::failed, std::current_exception());
        }
      }
      return step::ok;
    }
    if (waiter* snd = first_sender(c)) {  // unbuffered: take straight from a blocked sender
      try {
        dst.put(*snd->src);  // may throw: a plain sender stays queued
      } catch (...) {
        if (snd->sel != nullptr) {  // its claim is spent: it polls again
          c.sendq.erase(snd);
          wake(*snd, outcome::retry);
        }
        throw;
      }
      c.sendq.erase(snd);
      wake(*snd, outcome::done);
      return step::ok;
    }
    return c.closed ? step::closed : step::block;
  }

  template <class Deadline>
  status send_core(const source& src, mode how, const Deadline& deadline) const {
    typename B::unique_lock lk(s_->m);
    const step first = s_->guarded.with_mut([&](core& c) { return send_step(c, src); });
    if (first == step::ok) return status::ok;
    if (first == step::closed) return status::closed;
    if (how == mode::poll) return status::full;

    waiter w;
    w.src = &src;
    s_->guarded.with_mut([&](core& c) { c.sendq.push_back(&w); });
    sync::observe<B>(sync::point::waiting);  // under the mutex: a try_recv now finds us
    switch (park(lk, w, &core::sendq, deadline)) {
      case outcome::done: return status::ok;
      case outcome::closed: return status::closed;
      case outcome::timed_out: return status::timeout;
      case outcome::failed: {
        auto error = w.res.with([](const typename waiter::result& r) { return r.error; });
        lk.unlock();
        std::rethrow_exception(error);
      }
      case outcome::pending:
      case outcome::retry: break;  // only select waiters are told to retry
    }
    return status::closed;  // unreachable: park() returns only a final outcome
  }

  template <class Deadline>
  status recv_core(sink& dst, mode how, const Deadline& deadline) const {
    typename B::unique_lock lk(s_->m);
    const step first = s_->guarded.with_mut([&](core& c) { return recv_step(c, dst); });
    if (first == step::ok) return status::ok;
    if (first == step::closed) return status::closed;
    if (how == mode::poll) return status::empty;

    waiter w;
    w.dst = &dst;
    s_->guarded.with_mut([&](core& c) { c.recvq.push_back(&w); });
    sync::observe<B>(sync::point::waiting);  // under the mutex: a try_send now finds us
    switch (park(lk, w, &core::recvq, deadline)) {
      case outcome::done: return status::ok;
      case outcome::closed: return status::closed;
      case outcome::timed_out: return status::timeout;
      case outcome::failed:  // receivers are never failed; see recv_step's buffered branch
      case outcome::pending:
      case outcome::retry: break;
    }
    return status::closed;  // unreachable
  }

  // ---- select (csp/select.hpp): Go's selectgo protocol ------------------------------------
  // The select locks every mutex-based channel of its cases in one global order, polls them,
  // and if none is ready links a waiter carrying its context into each queue, unlocks and
  // sleeps; when it wakes it locks them all again and unlinks the waiters still queued.

  // The lock order: Go sorts by address; a creation number gives the same total order and, unlike
  // heap addresses, the same one in every run, which Relacy's replaying schedulers require.
  std::uint64_t select_key() const noexcept { return s_->number; }
  void select_lock() const { s_->m.lock(); }
  void select_unlock() const { s_->m.unlock(); }

  // With the mutex held: ok, closed, or full / empty.
  status select_poll_send(const source& src) const {
    const step st = s_->guarded.with_mut([&](core& c) { return send_step(c, src); });
    return st == step::ok ? status::ok : st == step::closed ? status::closed : status::full;
  }
  status select_poll_recv(sink& dst) const {
    const step st = s_->guarded.with_mut([&](core& c) { return recv_step(c, dst); });
    return st == step::ok ? status::ok : st == step::closed ? status::closed : status::empty;
  }

  // With the mutex held: links the select's waiter (sel, case_index and src or dst set).
  void select_enqueue(waiter& w) const {
    s_->guarded.with_mut([&](core& c) { (w.src != nullptr ? c.sendq : c.recvq).push_back(&w); });
  }
  // With the mutex held: unlinks the waiter if it is still queued; the exception a `failed`
  // outcome carries.
  std::exception_ptr select_dequeue(waiter& w) const {
    s_->guarded.with_mut([&](core& c) {
      // The planted bug: the losing waiter stays queued, pointing into a finished select.
      if constexpr (sync::planted<B, mutation::ch_mb_select_keeps_waiter>) return;
      if (w.linked) (w.src != nullptr ? c.sendq : c.recvq).erase(&w);
    });
    return w.res.with([](const typename waiter::result& r) { return r.error; });
  }

  std::shared_ptr<state> s_;
};

template <class T, class B>
void channel<T, B>::close() const {
  typename B::unique_lock lk(s_->m);
  s_->guarded.with_mut([&](core& c) {
    if (c.closed) throw closed_channel_error("csp::channel: close of closed channel");
    c.closed = true;
    sync::observe<B>(sync::point::closing);  // under the mutex: the close takes effect here
    while (waiter* r = c.recvq.pop_front()) {
      // The planted bug: only plain receivers hear of the close; a select sleeps on.
      if (sync::planted<B, mutation::ch_mb_close_skips_selects> && r->sel != nullptr) continue;
      if (claimable(*r)) wake(*r, outcome::closed);
    }
    if constexpr (!sync::planted<B, mutation::ch_mb_close_skips_senders>) {
      while (waiter* w = c.sendq.pop_front()) {
        if (claimable(*w)) wake(*w, outcome::closed);
      }
    }
  });
}

template <class T, class B = sync::std_backend>
using send_only = detail::send_only_view<channel<T, B>>;
template <class T, class B = sync::std_backend>
using recv_only = detail::recv_only_view<channel<T, B>>;

}  // namespace csp::mutex_based
