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
// Invariants (Go's chan.go; asserted by models/channel_suites.hpp)
//   I1  At least one of sendq and recvq is empty.
//   I2  count > 0 implies recvq is empty; count < capacity implies sendq is empty.
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
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "csp/detail/channel_transfer.hpp"
#include "csp/detail/channel_views.hpp"
#include "csp/detail/deadline.hpp"
#include "csp/detail/intrusive_fifo.hpp"
#include "csp/errors.hpp"
#include "csp/sync/backend.hpp"

namespace csp::mutex_based {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct ch_mb_close_skips_senders {};
struct ch_mb_shared_cv_notify_one {};
struct ch_mb_check_outside_lock {};
}  // namespace mutation

template <class T, class B = sync::std_backend>
class channel {
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

  enum class mode { poll, block, until };
  enum class outcome : unsigned char { pending, done, closed, failed, timed_out };

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
    typename B::mutex m;
    typename B::template cell<core> guarded;
    // Only the planted bug ch_mb_shared_cv_notify_one has a channel-wide condition variable.
    [[no_unique_address]] std::conditional_t<shared_cv, typename B::condition_variable, no_cv> cv;
  };

  // Called with the mutex held, waiter unlinked: publish the outcome and wake that waiter.
  void wake(waiter& w, outcome what, std::exception_ptr error = nullptr) const {
    w.res.with_mut([&](typename waiter::result& r) {
      r.what = what;
      r.error = std::move(error);
    });
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

  template <class Deadline>
  status send_core(const source& src, mode how, const Deadline& deadline) const {
    enum class step { ok, closed, block };
    typename B::unique_lock lk(s_->m);
    const step first = s_->guarded.with_mut([&](core& c) {
      if (c.closed) return step::closed;
      if (waiter* r = c.recvq.front()) {  // a receiver waits: hand the value straight to it
        r->dst->put(src);                 // may throw: the receiver stays queued
        c.recvq.erase(r);
        wake(*r, outcome::done);
        return step::ok;
      }
      if (c.count < c.capacity) {             // room in the buffer (I2: then no sender waits)
        src.emplace(src.obj, c.at(c.count));  // may throw: count unchanged
        ++c.count;
        return step::ok;
      }
      return step::block;
    });
    if (first == step::ok) return status::ok;
    if (first == step::closed) return status::closed;
    if (how == mode::poll) return status::full;

    waiter w;
    w.src = &src;
    s_->guarded.with_mut([&](core& c) { c.sendq.push_back(&w); });
    switch (park(lk, w, &core::sendq, deadline)) {
      case outcome::done: return status::ok;
      case outcome::closed: return status::closed;
      case outcome::timed_out: return status::timeout;
      case outcome::failed: {
        auto error = w.res.with([](const typename waiter::result& r) { return r.error; });
        lk.unlock();
        std::rethrow_exception(error);
      }
      case outcome::pending: break;
    }
    return status::closed;  // unreachable: park() returns only a final outcome
  }

  template <class Deadline>
  status recv_core(sink& dst, mode how, const Deadline& deadline) const {
    enum class step { ok, closed, block };
    typename B::unique_lock lk(s_->m);
    const step first = s_->guarded.with_mut([&](core& c) {
      if (c.count > 0) {
        std::optional<T>& head = c.at(0);
        dst.put(*head);  // may throw: nothing popped
        head.reset();
        c.head = (c.head + 1) % c.capacity;
        --c.count;
        // The buffer was full if a sender waits (I2): move its value into the freed slot.
        if (waiter* snd = c.sendq.front()) {
          c.sendq.erase(snd);
          try {
            snd->src->emplace(snd->src->obj, c.at(c.count));
            ++c.count;
            wake(*snd, outcome::done);
          } catch (...) {
            wake(*snd, outcome::failed, std::current_exception());
          }
        }
        return step::ok;
      }
      if (waiter* snd = c.sendq.front()) {  // unbuffered: take straight from a blocked sender
        dst.put(*snd->src);                 // may throw: the sender stays queued
        c.sendq.erase(snd);
        wake(*snd, outcome::done);
        return step::ok;
      }
      return c.closed ? step::closed : step::block;
    });
    if (first == step::ok) return status::ok;
    if (first == step::closed) return status::closed;
    if (how == mode::poll) return status::empty;

    waiter w;
    w.dst = &dst;
    s_->guarded.with_mut([&](core& c) { c.recvq.push_back(&w); });
    switch (park(lk, w, &core::recvq, deadline)) {
      case outcome::done: return status::ok;
      case outcome::closed: return status::closed;
      case outcome::timed_out: return status::timeout;
      case outcome::failed:  // receivers are never failed; see recv_core's buffered branch
      case outcome::pending: break;
    }
    return status::closed;  // unreachable
  }

  std::shared_ptr<state> s_;
};

template <class T, class B>
void channel<T, B>::close() const {
  typename B::unique_lock lk(s_->m);
  s_->guarded.with_mut([&](core& c) {
    if (c.closed) throw closed_channel_error("csp::channel: close of closed channel");
    c.closed = true;
    while (waiter* r = c.recvq.pop_front()) wake(*r, outcome::closed);
    if constexpr (!sync::planted<B, mutation::ch_mb_close_skips_senders>) {
      while (waiter* w = c.sendq.pop_front()) wake(*w, outcome::closed);
    }
  });
}

template <class T, class B = sync::std_backend>
using send_only = detail::send_only_view<channel<T, B>>;
template <class T, class B = sync::std_backend>
using recv_only = detail::recv_only_view<channel<T, B>>;

}  // namespace csp::mutex_based
