// csp/detail/timer_service.hpp — the shared timer thread behind csp::after, csp::timer,
// csp::ticker and the deadlines of csp::context.
//
// A timer is a deadline, an optional period and a callback. The service keeps every armed timer
// in one binary min-heap ordered by (deadline, arming order) and runs the callbacks of the due
// ones, one at a time, with its mutex released. csp's callbacks never block: a try_send of the
// time it was due on a channel of capacity 1 (Go's sendTime: a tick nobody has room for is dropped)
// or a context cancel. A periodic timer is re-armed at the first multiple of its period after
// the time it ran, so periods a slow service missed are skipped and the phase is kept (Go's
// ticker).
//
// Two drivers share that queue (timer_queue below):
//   timer_service<Clock>     one thread per process (per clock), started by the first arm(). It
//                            sleeps on a condition variable until the earliest deadline, or until
//                            an arm() makes an earlier one. Not a thread per timer: ten thousand
//                            pending timeouts are ten thousand heap entries, not threads.
//   manual_timer_service     no thread: time stands still until a test calls advance(d), which
//                            runs every callback due by then on the calling thread before it
//                            returns. Time-dependent code is tested without sleeping.
// Users of a service (time.hpp, context.hpp) need now(), arm(t, when, period) and disarm(t).
//
// Lifecycle and shutdown. timer_service<Clock>::instance() is a csp::singleton: built on first
// use, never destroyed, and its thread is detached. Why not a static whose destructor stops and
// joins the thread: static destructors run in an order nobody controls, and a global ticker, a
// context kept in a static, or a thread still running at exit may arm and disarm timers after
// such a destructor ran — a use after destruction; and exit() called from a callback would join
// its own thread. Never destroying it, timers work until the process ends. At exit the thread is
// asleep or running a non-blocking callback on objects the service co-owns (the heap holds each
// armed timer by shared_ptr, a timer holds its channel, a context deadline holds only a weak_ptr
// to its context), so exit() neither waits for it nor frees anything under it, and pending
// timers stay reachable from the service's static storage, which LeakSanitizer accepts
// (time_test's ProcessExitsWithTimersPending checks both under the asan and tsan lanes).
//
// Synchronization contract (every edge comes from the service mutex)
//   T1  arm(t) happens-before t's callback runs, each time it runs.
//   T2  When disarm(t) returns, t's callback is not running and will not run again unless t is
//       armed again; every run of the callback happens-before disarm returns. The one exception
//       is a disarm() from t's own callback (the thread is inside it): it returns at once and
//       only prevents the re-arming of a periodic t.
//   T3  A callback never runs before its deadline, as the service's clock reads it.
//
// Invariants
//   I1  t.index is t's position in heap_ while t is armed and npos otherwise; the heap is
//       ordered by (when, seq), seq being the arming order, so equal deadlines fire first armed,
//       first run.
//   I2  At most one callback of a service runs at a time (running_), without the mutex held:
//       a callback may arm, disarm and cancel contexts, which take the mutex again.
//   I3  A periodic timer is re-armed after its callback only if no disarm() and no arm() of it
//       happened meanwhile (stopped / index).
//   I4  The service thread reads the earliest deadline and goes to sleep in one step of the
//       condition variable (mutex held until it sleeps), and an arm() that makes a new earliest
//       deadline notifies it under the same mutex: no earlier deadline is slept through.
//
// State: no atomics; everything below is guarded by the service mutex m_, except a timer's
// callback, which is immutable.
//
// Incorrect alternatives
//   * running callbacks with the mutex held: a deadline's callback cancels a context, which
//     disarms that context's timer — a self-deadlock on the service mutex (tried:
//     context_test's ContextTest.TheDeadlineCancelsWithDeadlineExceeded hangs).
//   * a disarm() that removes the timer from the heap but does not wait for a callback running
//     on the service thread: ticker::stop() then returns while the thread is inside try_send,
//     and a tick lands after stop() returned and drained the channel (tried: time_test's
//     TimerQueue.DisarmWaitsForARunningCallback fails).
//   * a thread per timer sleeping until its deadline: thousands of threads for thousands of
//     timeouts, and stop() must either join it (waiting out the sleep) or detach it (which then
//     outlives the channel it would send on).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "csp/once.hpp"

namespace csp::detail {

// d in Duration, rounded up, saturating at Duration's limits instead of overflowing.
template <class Duration, class Rep, class Period>
Duration round_up_saturating(const std::chrono::duration<Rep, Period>& d) {
  using exact = std::chrono::duration<double, typename Duration::period>;
  const exact x(d);
  if (x >= exact(Duration::max())) return Duration::max();
  if (x <= exact(Duration::min())) return Duration::min();
  return std::chrono::ceil<Duration>(d);
}

// t + d for d >= 0, saturating at TimePoint::max() (a deadline that never comes).
template <class TimePoint>
TimePoint add_saturating(TimePoint t, typename TimePoint::duration d) {
  if (d <= d.zero()) return t;
  if (t.time_since_epoch() > TimePoint::max().time_since_epoch() - d) return TimePoint::max();
  return t + d;
}

// One timer. Owned by shared_ptr: by its user (a ticker, a context) and, while armed, the heap.
template <class TimePoint>
struct timer {
  using time_point = TimePoint;
  using duration = typename TimePoint::duration;
  using callback = std::function<void(time_point)>;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit timer(callback f) : fire(std::move(f)) {}

  // Runs on the service's thread with the time it was due (Go 1.23's sendTime sends that, not
  // the possibly later time it ran); must not throw or block. Immutable, so the service calls
  // it without the mutex.
  const callback fire;

  // Guarded by the service mutex.
  time_point when{};
  duration period{};         // zero: fires once
  std::uint64_t seq = 0;     // arming order: first armed, first run among equal deadlines
  std::size_t index = npos;  // position in the heap while armed (I1)
  bool stopped = false;      // disarmed since last armed: a running periodic one stays off (I3)
};

// The heap and its rules, shared by both drivers.
template <class TimePoint>
class timer_queue {
 public:
  using time_point = TimePoint;
  using duration = typename TimePoint::duration;
  using timer_type = timer<TimePoint>;
  using handle = std::shared_ptr<timer_type>;

  timer_queue() = default;
  timer_queue(const timer_queue&) = delete;
  timer_queue& operator=(const timer_queue&) = delete;

  // Disarms t (T2). Returns true if t was armed, so that this arming will never run its
  // callback; false if it had fired (or is firing) or was not armed.
  bool disarm(timer_type& t) {
    std::unique_lock<std::mutex> lk(m_);
    t.stopped = true;
    if (t.index != timer_type::npos) {
      erase(t.index);
      return true;
    }
    if (running_ == &t && runner_ != std::this_thread::get_id()) {
      ++disarm_waiters_;
      idle_.wait(lk, [&] { return running_ != &t; });
      --disarm_waiters_;
    }
    return false;
  }

  // For tests: timers armed, and disarm() calls waiting for a running callback.
  std::size_t pending() const {
    std::lock_guard<std::mutex> lk(m_);
    return heap_.size();
  }
  std::size_t disarm_waiters() const {
    std::lock_guard<std::mutex> lk(m_);
    return disarm_waiters_;
  }

 protected:
  ~timer_queue() = default;

  // With m_ held: (re)arms t at `when`, then every `period` if positive. True if t is now the
  // earliest timer, so a sleeping service thread must wake (I4).
  bool arm_locked(const handle& t, time_point when, duration period) {
    if (t->index != timer_type::npos) erase(t->index);
    t->when = when;
    t->period = period;
    t->seq = next_seq_++;
    t->stopped = false;
    t->index = heap_.size();
    heap_.push_back(t);
    sift_up(t->index);
    return t->index == 0;
  }

  // With lk held: runs the callback of every timer due at `now`, earliest first, each with lk
  // released (I2), and re-arms the periodic ones (I3). Returns with lk held.
  void run_due_locked(std::unique_lock<std::mutex>& lk, time_point now) {
    idle_.wait(lk, [&] { return running_ == nullptr; });  // another advance() is mid-callback
    while (!heap_.empty() && heap_.front()->when <= now) {
      const handle t = heap_.front();
      erase(0);
      const time_point due = t->when;  // read under m_: an arm() may rewrite it meanwhile
      running_ = t.get();
      runner_ = std::this_thread::get_id();
      lk.unlock();
      t->fire(due);
      lk.lock();
      running_ = nullptr;
      if (t->period > duration::zero() && !t->stopped && t->index == timer_type::npos) {
        arm_locked(t, next_tick(t->when, t->period, now), t->period);
      }
      idle_.notify_all();  // disarm() waiting for this callback; cheap when nobody waits
    }
  }

  // With m_ held: the earliest deadline; only when !heap_.empty().
  time_point earliest_locked() const { return heap_.front()->when; }
  bool empty_locked() const { return heap_.empty(); }

  mutable std::mutex m_;

 private:
  // The first when + k * period (k >= 1) after now.
  static time_point next_tick(time_point when, duration period, time_point now) {
    const time_point next = add_saturating(when, period);
    if (next > now) return next;
    return add_saturating(now, period - (now - when) % period);
  }

  static bool earlier(const timer_type& a, const timer_type& b) noexcept {
    return a.when < b.when || (a.when == b.when && a.seq < b.seq);
  }
  void place(std::size_t i) noexcept { heap_[i]->index = i; }
  void sift_up(std::size_t i) noexcept {
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!earlier(*heap_[i], *heap_[parent])) break;
      std::swap(heap_[i], heap_[parent]);
      place(i);
      place(parent);
      i = parent;
    }
  }
  void sift_down(std::size_t i) noexcept {
    for (;;) {
      const std::size_t left = 2 * i + 1;
      if (left >= heap_.size()) break;
      std::size_t child = left;
      if (left + 1 < heap_.size() && earlier(*heap_[left + 1], *heap_[left])) child = left + 1;
      if (!earlier(*heap_[child], *heap_[i])) break;
      std::swap(heap_[i], heap_[child]);
      place(i);
      place(child);
      i = child;
    }
  }
  void erase(std::size_t i) noexcept {
    const std::size_t last = heap_.size() - 1;
    heap_[i]->index = timer_type::npos;
    if (i != last) {
      heap_[i] = std::move(heap_[last]);
      place(i);
    }
    heap_.pop_back();
    if (i < heap_.size()) {
      sift_down(i);
      sift_up(i);
    }
  }

  std::vector<handle> heap_;
  std::uint64_t next_seq_ = 0;
  const timer_type* running_ = nullptr;  // whose callback runs now (I2)
  std::thread::id runner_{};             // and on which thread
  std::size_t disarm_waiters_ = 0;
  std::condition_variable idle_;  // signalled after each callback returns
};

// The real service: one detached thread per Clock, sleeping until the earliest deadline.
template <class Clock = std::chrono::steady_clock>
class timer_service final : public timer_queue<typename Clock::time_point> {
  using base = timer_queue<typename Clock::time_point>;

 public:
  using clock = Clock;
  using time_point = typename Clock::time_point;
  using duration = typename Clock::duration;
  using handle = typename base::handle;

  // The process-wide service for Clock (never destroyed; see "Lifecycle and shutdown").
  static timer_service& instance() { return csp::singleton<timer_service>::instance(); }

  time_point now() const { return Clock::now(); }

  // Arms t at `when`, then every `period` if positive (re-arms it if armed). Starts the thread
  // on first use; throws std::system_error if it cannot be started (t is then not armed).
  void arm(const handle& t, time_point when, duration period) {
    std::unique_lock<std::mutex> lk(this->m_);
    if (!started_) {
      std::thread([this] { run(); }).detach();
      started_ = true;
    }
    if (this->arm_locked(t, when, period)) wake_.notify_one();  // under m_ (I4)
  }

 private:
  template <class, class>
  friend class csp::singleton;
  timer_service() = default;

  [[noreturn]] void run() {
    std::unique_lock<std::mutex> lk(this->m_);
    for (;;) {
      if (this->empty_locked()) {
        wake_.wait(lk);
        continue;
      }
      const time_point when = this->earliest_locked();
      const time_point now = Clock::now();
      if (now < when) {
        if (when == time_point::max()) {
          wake_.wait(lk);  // a deadline that never comes
        } else {
          wake_.wait_until(lk, when);
        }
        continue;
      }
      this->run_due_locked(lk, now);
    }
  }

  std::condition_variable wake_;  // the thread sleeps here (I4)
  bool started_ = false;          // guarded by m_
};

// A clock that moves only when a manual_timer_service is told to advance.
struct manual_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<manual_clock>;
  static constexpr bool is_steady = true;
};

// The test driver: no thread; advance(d) runs the due callbacks on the caller's thread.
class manual_timer_service final : public timer_queue<manual_clock::time_point> {
 public:
  using clock = manual_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  manual_timer_service() = default;

  time_point now() const {
    std::lock_guard<std::mutex> lk(m_);
    return now_;
  }

  // Arms t at `when` (re-arms it if armed). A deadline already due runs on the next advance().
  void arm(const handle& t, time_point when, duration period) {
    std::lock_guard<std::mutex> lk(m_);
    (void)arm_locked(t, when, period);
  }

  // Moves the clock forward by d (d >= 0) and runs, on this thread and before returning, the
  // callback of every timer due by then, earliest first. advance(0ns) runs those already due.
  // Must not be called from a timer callback.
  void advance(duration d) {
    std::unique_lock<std::mutex> lk(m_);
    now_ = add_saturating(now_, d);
    run_due_locked(lk, now_);
  }

 private:
  time_point now_{};  // guarded by m_
};

}  // namespace csp::detail
