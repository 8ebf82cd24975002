// <csp/time.hpp> — Go's time.After, time.Timer and time.Ticker: time delivered on a channel.
//
//   std::optional<tp> t = csp::after(100ms).recv();   // once, when 100 ms have passed
//
//   csp::ticker tick(1s);
//   for (int i = 0; i < 3; ++i) (void)tick.channel().recv();   // every second
//   tick.stop();                                              // no tick arrives after this
//
//   csp::timer deadline(5s);          // a one-shot after() that can be stopped and reset
//   if (deadline.stop()) { ... }      // true: stopped before its value was received
//
// The channels carry std::chrono::steady_clock::time_point: the time each value was due (Go
// 1.23's; the send itself may come later on a loaded machine, never earlier). They
// have capacity 1, as in Go: the service thread delivers with a non-blocking try_send, so a
// slow reader finds at most one stale tick waiting and the ticks it missed are dropped, never
// queued; and the one thread that serves every timer (detail/timer_service.hpp) never blocks on
// a reader. A ticker's next tick is due at the next multiple of its period: ticks do not drift,
// and after a stall they do not burst.
//
// Stopping (Go 1.23's guarantee): when stop() or reset() returns, no value sent before it can
// be received any more (a tick waiting in the buffer is drained), and none is sent until the
// timer is armed again. A receive that runs concurrently with stop() may still get one.
// Destroying a ticker or timer stops it; channel() views may outlive it (they then never
// receive). after() cannot be stopped: its timer lives until it fires, so a loop that waits
// with after(1h) keeps one pending timer per iteration until they expire — use a timer and
// reset() there.
//
// Synchronization contract: the timer service's (T1..T3 in detail/timer_service.hpp) and the
// channel's: the sending of a tick happens-before the receive that takes it; stop() happens
// after the last tick sent before it (T2).
//
// Generic forms, for tests and other channel implementations: basic_timer<Channel, Service>,
// basic_ticker<Channel, Service> and basic_after<Channel>(service, d) take any channel type
// whose value_type is the service's time_point (csp::lock_free::channel and
// csp::mutex_based::channel alike) and a service such as detail::manual_timer_service, whose
// clock moves only when a test advances it.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "csp/channel.hpp"
#include "csp/detail/timer_service.hpp"
#include "csp/errors.hpp"

namespace csp {

namespace detail {

// A channel of capacity 1 and the timer that try_sends the firing time on it: the state of a
// csp::timer or csp::ticker. Movable; a moved-from one is disengaged.
template <class Channel, class Service>
class channel_timer {
 public:
  using time_point = typename Service::time_point;
  using duration = typename Service::duration;
  static_assert(std::is_same_v<typename Channel::value_type, time_point>,
                "a timer's channel carries its service's time_point");

  explicit channel_timer(Service& svc)
      : svc_(&svc), ch_(1), t_(std::make_shared<timer<time_point>>([ch = ch_](time_point now) {
          (void)ch.try_send(now);  // full: the reader has not taken the last one; drop this one
        })) {}

  channel_timer(channel_timer&& o) noexcept
      : svc_(o.svc_), ch_(o.ch_), t_(std::exchange(o.t_, nullptr)) {}
  channel_timer& operator=(channel_timer&& o) noexcept {
    if (this != &o) {
      (void)stop();
      svc_ = o.svc_;
      ch_ = o.ch_;
      t_ = std::exchange(o.t_, nullptr);
    }
    return *this;
  }
  channel_timer(const channel_timer&) = delete;
  channel_timer& operator=(const channel_timer&) = delete;
  ~channel_timer() { (void)stop(); }

  typename Channel::recv_only channel() const { return ch_; }
  Service& service() const noexcept { return *svc_; }

  void start(duration first, duration period) {
    svc_->arm(t_, add_saturating(svc_->now(), first), period);
  }

  // Disarms the timer, waits out a send in progress, and drains a value nobody received. True
  // if a value was pending or drained: the program had not received this arming's value.
  bool stop() noexcept {
    if (!t_) return false;
    const bool pending = svc_->disarm(*t_);
    time_point stale;
    const bool drained = ch_.try_recv(stale) == status::ok;
    return pending || drained;
  }

 private:
  Service* svc_;
  Channel ch_;
  std::shared_ptr<timer<time_point>> t_;  // null when moved from
};

template <class Service, class Rep, class Period>
typename Service::duration positive_period(const std::chrono::duration<Rep, Period>& d,
                                           const char* who) {
  if (d <= d.zero()) throw std::invalid_argument(who);
  return round_up_saturating<typename Service::duration>(d);
}

}  // namespace detail

// Go's time.After on a given service: a channel that receives the time once, when d has
// passed. A non-positive d is ready at once; a d too long for the clock never fires (and arms
// nothing).
template <class Channel = csp::channel<std::chrono::steady_clock::time_point>, class Service,
          class Rep, class Period>
typename Channel::recv_only basic_after(Service& svc, const std::chrono::duration<Rep, Period>& d) {
  using time_point = typename Service::time_point;
  static_assert(std::is_same_v<typename Channel::value_type, time_point>,
                "after()'s channel carries its service's time_point");
  Channel ch(1);
  const auto wait = detail::round_up_saturating<typename Service::duration>(d);
  const time_point now = svc.now();
  if (wait <= wait.zero()) {
    (void)ch.try_send(now);  // an empty channel of capacity 1 has room
    return ch;
  }
  const time_point when = detail::add_saturating(now, wait);
  if (when == time_point::max()) return ch;
  auto t = std::make_shared<detail::timer<time_point>>([ch](time_point fired) {
    (void)ch.try_send(fired);  // the only send on ch: it has room
  });
  svc.arm(t, when, Service::duration::zero());
  return ch;
}

// Go's time.After: receives the time once, when d has passed.
template <class Rep, class Period>
recv_only<std::chrono::steady_clock::time_point> after(
    const std::chrono::duration<Rep, Period>& d) {
  return basic_after(detail::timer_service<>::instance(), d);
}

// Go's time.Timer: channel() receives the time once, when the duration has passed, unless
// stop() or reset() comes first.
template <class Channel = csp::channel<std::chrono::steady_clock::time_point>,
          class Service = detail::timer_service<>>
class basic_timer {
 public:
  using time_point = typename Service::time_point;
  using duration = typename Service::duration;
  using recv_only = typename Channel::recv_only;

  // Fires after d (at once if d <= 0), on `svc` (by default the process-wide service).
  template <class Rep, class Period>
  explicit basic_timer(const std::chrono::duration<Rep, Period>& d,
                       Service& svc = Service::instance())
      : t_(svc) {
    start(d);
  }

  recv_only channel() const { return t_.channel(); }

  // Stops the timer. True if its value had not been received: it was still pending, or it had
  // fired and is drained now. After stop() returns, no value of this arming can be received.
  bool stop() noexcept { return t_.stop(); }

  // Stops the timer and arms it to fire after d; returns what stop() would have.
  template <class Rep, class Period>
  bool reset(const std::chrono::duration<Rep, Period>& d) {
    const bool was_active = t_.stop();
    start(d);
    return was_active;
  }

 private:
  template <class Rep, class Period>
  void start(const std::chrono::duration<Rep, Period>& d) {
    const auto wait = detail::round_up_saturating<duration>(d);
    t_.start(wait < duration::zero() ? duration::zero() : wait, duration::zero());
  }

  detail::channel_timer<Channel, Service> t_;
};

// Go's time.Ticker: channel() receives the time every period, dropping the ticks a slow reader
// missed, until stop(). A non-positive period throws std::invalid_argument (Go panics).
template <class Channel = csp::channel<std::chrono::steady_clock::time_point>,
          class Service = detail::timer_service<>>
class basic_ticker {
 public:
  using time_point = typename Service::time_point;
  using duration = typename Service::duration;
  using recv_only = typename Channel::recv_only;

  // First tick one period from now, on `svc` (by default the process-wide service).
  template <class Rep, class Period>
  explicit basic_ticker(const std::chrono::duration<Rep, Period>& period,
                        Service& svc = Service::instance())
      : t_(svc) {
    const duration p = detail::positive_period<Service>(period, "csp::ticker: non-positive period");
    t_.start(p, p);
  }

  recv_only channel() const { return t_.channel(); }

  // No tick can be received after stop() returns (a waiting one is drained). Idempotent.
  void stop() noexcept { (void)t_.stop(); }

  // Stops the ticker and restarts it with a new period: the next tick comes `period` from now.
  template <class Rep, class Period>
  void reset(const std::chrono::duration<Rep, Period>& period) {
    const duration p = detail::positive_period<Service>(period, "csp::ticker: non-positive period");
    (void)t_.stop();
    t_.start(p, p);
  }

 private:
  detail::channel_timer<Channel, Service> t_;
};

using timer = basic_timer<>;
using ticker = basic_ticker<>;

}  // namespace csp
