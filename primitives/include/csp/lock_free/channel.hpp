// csp/lock_free/channel.hpp — Go's channel without a lock on any non-blocking path.
//
// The same API and semantics as csp::mutex_based::channel (see that header for the handle,
// close and exception rules, and API.md), in two flavors chosen by capacity:
//
//   capacity >= 1   lock_free/ring.hpp: values are staged in storage the sender owns, then
//                   published with one compare-exchange on the word of the first empty
//                   position (the frontier); a receive claims the first published one with
//                   another; close seals the frontier's word.
//   capacity == 0   lock_free/rendezvous.hpp: senders and receivers draw positions and meet
//                   in a ring of cells; the first to arrive waits on a parker on its stack.
//
// Blocking operations spin briefly (B::spin_limit), then sleep on their own parker: linked
// into a waiter queue (ring, detail/waiter_queue.hpp) or into a cell (rendezvous). A send wakes
// at most one blocked receiver, the one it can satisfy (and every select watching the channel,
// which then polls again: detail/watch_list.hpp).
//
// What "lock-free" means here, precisely: try_send, try_recv, a send into a non-full buffer and
// a receive from a non-empty one complete in a bounded number of their own steps whenever the
// others stop, and never wait for a thread preempted inside an operation — with one documented
// exception, element types whose move can throw (lock_free/ring.hpp, "Exceptions"). Their
// failing answers are linearizable: try_recv says `empty` only if no completed send's value is
// unreceived, and try_send says `full` only if the buffer really holds C values.
//
// Synchronization contract (S1..S4, as Go's memory model): see the two flavors' headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "csp/detail/channel_transfer.hpp"
#include "csp/detail/channel_views.hpp"
#include "csp/detail/deadline.hpp"
#include "csp/errors.hpp"
#include "csp/lock_free/rendezvous.hpp"
#include "csp/lock_free/ring.hpp"
#include "csp/sync/backend.hpp"

namespace csp::detail {
struct select_access;
}  // namespace csp::detail

namespace csp::lock_free {

// The handle has a cache line of its own (alignas(64), so that sizeof is 64 too). Threads that
// share a channel by reference — a lambda that captures it with [&], as a Go closure would —
// read the handle's pointer on every operation. Packed beside a local its owner writes on
// every message (a loop counter, a result on the owner's stack), the handle's line would move
// between the cores with each message: false sharing the channel's users never asked for.
// Measured in ping-pong, where the echo thread captures both channels by reference: whether
// it happened depended on the main thread's stack offset, which address randomization sets
// per process, and where it did the round trip took 15-25% longer (docs/channel.md, "The
// handle").
template <class T, class B = sync::std_backend>
class alignas(64) channel {
  static_assert(std::is_object_v<T> && !std::is_const_v<T>, "channel<T>: T must be a value type");
  static_assert(std::is_move_constructible_v<T>, "channel<T>: T must be move-constructible");

  using source = csp::detail::source<T>;
  using sink = csp::detail::sink<T>;
  // A send that fails leaves its argument as it was (API.md), so a value the ring staged must
  // be given back: csp/detail/channel_transfer.hpp says when it can be.
  template <class U>
  static source source_of(U& v) noexcept {
    static_assert(csp::detail::stageable_v<T, U>,
                  "csp::lock_free::channel: an rvalue of a move-only type other than T could not "
                  "be given back if the send failed; convert it first: send(T(std::move(v)))");
    return source::template of<csp::detail::staged_arg_t<T, U>>(v);
  }
  struct no_deadline {};

  struct state {
    explicit state(std::size_t cap) {
      if (cap == 0) {
        unbuffered.emplace();
      } else {
        buffered.emplace(cap);
      }
    }
    std::optional<ring<T, B>> buffered;
    std::optional<rendezvous<T, B>> unbuffered;
  };

 public:
  using value_type = T;
  using backend_type = B;

  channel() : channel(0) {}
  explicit channel(std::size_t capacity) : s_(std::make_shared<state>(capacity)) {}

  template <class U>
  requires std::constructible_from<T, U&&>
  void send(U&& v) const {
    if (send_core(source_of<U>(v), op_mode::block, no_deadline{}) == status::closed) {
      throw closed_channel_error("csp::channel: send on closed channel");
    }
  }

  [[nodiscard]] std::optional<T> recv() const {
    std::optional<T> out;
    sink dst(out);
    (void)recv_core(dst, op_mode::block, no_deadline{});
    return out;
  }

  template <class U>
  requires std::constructible_from<T, U&&>
  [[nodiscard]] status try_send(U&& v) const {
    return send_core(source_of<U>(v), op_mode::poll, no_deadline{});
  }

  [[nodiscard]] status try_recv(T& out) const {
    sink dst(out);
    return recv_core(dst, op_mode::poll, no_deadline{});
  }

  template <class U, class Rep, class Period>
  requires std::constructible_from<T, U&&>
  [[nodiscard]] status try_send_for(U&& v, const std::chrono::duration<Rep, Period>& d) const {
    return try_send_until(std::forward<U>(v), csp::detail::deadline_after<typename B::clock>(d));
  }
  template <class U, class Clock, class Duration>
  requires std::constructible_from<T, U&&>
  [[nodiscard]] status try_send_until(U&& v,
                                      const std::chrono::time_point<Clock, Duration>& t) const {
    return send_core(source_of<U>(v), op_mode::until, t);
  }

  template <class Rep, class Period>
  [[nodiscard]] status try_recv_for(T& out, const std::chrono::duration<Rep, Period>& d) const {
    return try_recv_until(out, csp::detail::deadline_after<typename B::clock>(d));
  }
  template <class Clock, class Duration>
  [[nodiscard]] status try_recv_until(T& out,
                                      const std::chrono::time_point<Clock, Duration>& t) const {
    sink dst(out);
    return recv_core(dst, op_mode::until, t);
  }

  void close() const {
    if (s_->buffered) {
      s_->buffered->close();
    } else {
      s_->unbuffered->close();
    }
  }

  bool closed() const noexcept {
    return s_->buffered ? s_->buffered->closed() : s_->unbuffered->closed();
  }
  std::size_t size() const noexcept { return s_->buffered ? s_->buffered->size() : 0; }
  std::size_t capacity() const noexcept { return s_->buffered ? s_->buffered->capacity() : 0; }

  csp::detail::recv_iterator<channel> begin() const {
    return csp::detail::recv_iterator<channel>(*this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

  using send_only = csp::detail::send_only_view<channel>;
  using recv_only = csp::detail::recv_only_view<channel>;
  send_only sender() const { return send_only(*this); }
  recv_only receiver() const { return recv_only(*this); }

  friend bool operator==(const channel& a, const channel& b) noexcept { return a.s_ == b.s_; }

 private:
  template <class>
  friend struct models::access;
  friend struct csp::detail::select_access;

  // ---- select (csp/select.hpp): the claim protocol ----------------------------------------
  // A select polls its cases with the try operations; if none is ready it registers each
  // case (rendezvous: a waiter in a cell, or a watcher; ring: a watcher), sleeps on its
  // context until one channel claims it, then withdraws the rest.
  using select_entry = typename rendezvous<T, B>::select_entry;

  const void* select_key() const noexcept { return s_.get(); }
  status select_poll_send(const source& src) const {
    return send_core(src, op_mode::poll, no_deadline{});
  }
  status select_poll_recv(sink& dst) const { return recv_core(dst, op_mode::poll, no_deadline{}); }
  // e.w.sel, e.w.case_index and e.w.src or e.w.dst set; e.watch.ctx and .index likewise.
  csp::detail::enlisted select_enlist(select_entry& e, bool watch_only,
                                      std::uint64_t ignore) const {
    if (s_->buffered) return s_->buffered->enlist(e.watch, e.w.src != nullptr);
    return s_->unbuffered->enlist(e, watch_only, ignore);
  }
  void select_delist(select_entry& e) const {
    if (s_->buffered) {
      s_->buffered->delist(e.watch, e.w.src != nullptr);
    } else {
      s_->unbuffered->delist(e);
    }
  }
  bool select_positional() const noexcept { return !s_->buffered; }

  template <class Deadline>
  status send_core(const source& src, op_mode how, const Deadline& d) const {
    return s_->buffered ? s_->buffered->send(src, how, d) : s_->unbuffered->send(src, how, d);
  }
  template <class Deadline>
  status recv_core(sink& dst, op_mode how, const Deadline& d) const {
    return s_->buffered ? s_->buffered->recv(dst, how, d) : s_->unbuffered->recv(dst, how, d);
  }

  std::shared_ptr<state> s_;
};

template <class T, class B = sync::std_backend>
using send_only = csp::detail::send_only_view<channel<T, B>>;
template <class T, class B = sync::std_backend>
using recv_only = csp::detail::recv_only_view<channel<T, B>>;

}  // namespace csp::lock_free
