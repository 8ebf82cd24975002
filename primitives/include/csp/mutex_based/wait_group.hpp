// csp/mutex_based/wait_group.hpp — Go's sync.WaitGroup with a mutex and a condition variable.
//
// The textbook implementation, kept as the reference the lock-free one is measured and
// checked against: every operation takes the mutex; wait() sleeps on the condition variable.
// The object may be destroyed as soon as every wait() has returned and no add()/done() is
// running: the zero transition notifies while it still holds the mutex, so a woken waiter
// cannot return before done() has stopped touching the condition variable.
//
// Synchronization contract
//   For any threads X and Y: if X calls done() (or add(-n)) and Y's wait() returns having
//   observed the counter at zero because of it, everything X did before done() happens-before
//   wait() returns in Y (X's unlock of the mutex synchronizes with Y's later lock of it).
//
// Invariants (asserted by models/wait_group_model.cpp)
//   I1. 0 <= count <= max_count; an add() that would break it throws wait_group_error and
//       changes nothing.
//   I2. A wait() that starts while count != 0 returns only after count reached zero at least
//       once since it started: it records the epoch, which every zero transition increments.
//   I3. blocked == the number of threads inside condition_variable::wait(); the zero transition
//       wakes them all (notify_all), and only if there are any.
//
// State (guarded by the mutex, kept in a cell so the models check that it is)
//   count, epoch (std::uint64_t, never wraps in practice), blocked.
//
// Incorrect alternatives (each is a planted mutant that the models must catch)
//   * notify_one() at the zero transition: with two waiters, one sleeps forever — DEADLOCK
//     (mutant wg_mb_notify_one).
//   * the predicate checked before taking the mutex (a "fast path" that reads count unlocked,
//     then locks and waits without re-checking): the zero transition can slip in between and
//     its notify finds nobody, a lost wake-up. Relacy reports the unlocked read first, as a
//     DATA RACE on the state (mutant wg_mb_check_outside_lock).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "csp/detail/deadline.hpp"
#include "csp/detail/go.hpp"
#include "csp/errors.hpp"
#include "csp/sync/backend.hpp"

namespace csp::mutex_based {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct wg_mb_notify_one {};
struct wg_mb_check_outside_lock {};
}  // namespace mutation

template <class B = sync::std_backend>
class basic_wait_group {
 public:
  using backend_type = B;
  static constexpr std::ptrdiff_t max_count = INT32_MAX;  // Go's limit

  basic_wait_group() = default;
  basic_wait_group(const basic_wait_group&) = delete;
  basic_wait_group& operator=(const basic_wait_group&) = delete;

  void add(std::ptrdiff_t delta) {
    if (delta == 0) return;
    typename B::unique_lock lk(m_);
    state_.with_mut([&](state& st) {
      if (delta < -st.count) throw wait_group_error("csp::wait_group: negative counter");
      if (delta > max_count - st.count) throw wait_group_error("csp::wait_group: counter overflow");
      st.count += delta;
      if (st.count != 0) return;
      ++st.epoch;
      if (st.blocked == 0) return;
      // Under the mutex: a woken waiter needs it to return, so it cannot destroy the condition
      // variable while this call is still inside it.
      if constexpr (sync::planted<B, mutation::wg_mb_notify_one>) {
        cv_.notify_one();
      } else {
        cv_.notify_all();
      }
    });
  }

  void done() { add(-1); }

  void wait() {
    (void)wait_impl(no_deadline{});
    errors_.rethrow_if_any();
  }

  template <class Rep, class Period>
  [[nodiscard]] bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    return wait_until(detail::deadline_after<typename B::clock>(timeout));
  }

  template <class Clock, class Duration>
  [[nodiscard]] bool wait_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    if (!wait_impl(deadline)) return false;
    errors_.rethrow_if_any();
    return true;
  }

  template <class F, class... Args>
  void go(F&& f, Args&&... args) {
    detail::go(*this, errors_, std::forward<F>(f), std::forward<Args>(args)...);
  }

 private:
  template <class>
  friend struct models::access;
  struct no_deadline {};
  struct state {
    std::ptrdiff_t count = 0;
    std::uint64_t epoch = 0;
    std::size_t blocked = 0;
  };

  template <class Deadline>
  bool wait_impl(const Deadline& deadline) {
    if constexpr (sync::planted<B, mutation::wg_mb_check_outside_lock>) {
      // The planted bug: decide to sleep on an unlocked read, then sleep without re-checking.
      (void)deadline;
      const bool busy = state_.with([](const state& st) { return st.count != 0; });
      if (!busy) return true;
      typename B::unique_lock lk(m_);
      state_.with_mut([](state& st) { ++st.blocked; });
      cv_.wait(lk);
      state_.with_mut([](state& st) { --st.blocked; });
      return true;
    } else {
      typename B::unique_lock lk(m_);
      const std::uint64_t epoch = state_.with([](const state& st) { return st.epoch; });
      const auto finished = [&] {
        return state_.with([&](const state& st) { return st.count == 0 || st.epoch != epoch; });
      };
      while (!finished()) {
        state_.with_mut([](state& st) { ++st.blocked; });
        bool timed_out = false;
        if constexpr (std::is_same_v<Deadline, no_deadline>) {
          cv_.wait(lk);
        } else {
          timed_out = cv_.wait_until(lk, deadline) == std::cv_status::timeout;
        }
        state_.with_mut([](state& st) { --st.blocked; });
        if (timed_out) return finished();
      }
      return true;
    }
  }

  typename B::mutex m_;
  typename B::condition_variable cv_;
  typename B::template cell<state> state_{};
  detail::first_error<B> errors_;
};

using wait_group = basic_wait_group<>;

}  // namespace csp::mutex_based
