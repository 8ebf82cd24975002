// models/relacy_backend.hpp — the seam of csp/sync/backend.hpp, mapped onto Relacy.
//
// This is the only file in the project that includes Relacy. A model instantiates a csp
// primitive with `relacy_backend<>` (or `relacy_backend<SomeMutationTag>` for a planted bug)
// and Relacy then explores the shipped algorithm under the C++11 memory model: atomics may read
// stale values, compare_exchange_weak fails spuriously, timed waits time out, condition
// variables wake spuriously, and every plain access through a cell is race-checked.
//
// Every adapter operation takes a defaulted csp::sync::source_loc and hands it to Relacy as its
// debug info, so the history of a failing model names the library's own file:line.
//
// Fidelity notes (what the adapter assumes about the real backend):
//  * atomic<uint32_t>::wait parks without spurious wake-ups, like std::atomic::wait and the
//    futex loop of std_backend: the value check and the park are one step, as in the kernel.
//    If the load returns a stale value while the latest one differs, the kernel would not sleep:
//    the adapter yields and reloads instead (after a yield Relacy shows the latest value).
//  * Relacy's own futex wake adds a happens-before edge from notify to the woken waiter that a
//    real futex does not promise. csp never relies on it: every waiter re-reads its word with an
//    acquire load after waking, and the models check that load's ordering.
//  * The clock does not advance: a timed wait's timeout is an explored choice.
#pragma once

// Every standard header the library uses, before Relacy's macros can break them.
#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "csp/sync/backend.hpp"
#include "csp/sync/source_loc.hpp"
#include "order_matrix.hpp"

#pragma push_macro("assert")
#pragma push_macro("errno")
#include <relacy/relacy.hpp>
#pragma pop_macro("errno")
#pragma pop_macro("assert")

// relacy.hpp redefines allocation and memory-order names for "$"-style test code. csp code uses
// the standard spellings, so take them back. Relacy's global operator new/delete stay replaced
// (they are inline in its headers): plain `new` in a model is still tracked for leaks.
#undef new
#undef delete
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef memory_order_relaxed
#undef memory_order_consume
#undef memory_order_acquire
#undef memory_order_release
#undef memory_order_acq_rel
#undef memory_order_seq_cst

namespace csp::models {

using sync::source_loc;

inline rl::debug_info info(source_loc l) {
  return rl::debug_info(l.function, l.file, l.line);
}

constexpr rl::memory_order to_rl(std::memory_order mo) {
  switch (mo) {
    case std::memory_order_relaxed: return rl::mo_relaxed;
    case std::memory_order_consume: return rl::mo_consume;
    case std::memory_order_acquire: return rl::mo_acquire;
    case std::memory_order_release: return rl::mo_release;
    case std::memory_order_acq_rel: return rl::mo_acq_rel;
    case std::memory_order_seq_cst: return rl::mo_seq_cst;
  }
  return rl::mo_seq_cst;
}

// The failure order std::atomic derives from a single-order compare_exchange.
constexpr std::memory_order cas_failure_order(std::memory_order mo) {
  if (mo == std::memory_order_acq_rel) return std::memory_order_acquire;
  if (mo == std::memory_order_release) return std::memory_order_relaxed;
  return mo;
}

// An object's lifetime, for Relacy's race check: use() reads a shadow and the destructor writes
// it, so every use must happen-before the object's death (a DATA RACE otherwise). Relacy's own
// check (ACCESS TO FREED MEMORY) sees only a use that runs after the destructor in the explored
// interleaving; this one sees a use merely unordered with it. The records of csp/sync/mutation.hpp
// (sync::lifetime) and every atomic's notify (below) are checked this way.
class rl_lifetime {
 public:
  rl_lifetime() : shadow_(0) {}
  rl_lifetime(const rl_lifetime&) = delete;
  rl_lifetime& operator=(const rl_lifetime&) = delete;
  ~rl_lifetime() { shadow_(info(source_loc::current())).store(1); }
  void use(source_loc l = source_loc::current()) const { (void)shadow_(info(l)).load(); }

 private:
  rl::var<int> shadow_;
};

template <class T>
class rl_atomic {
 public:
  // C++20 std::atomic value-initializes; so does this (Relacy would report an uninitialized
  // load otherwise).
  rl_atomic() : rl_atomic(T{}) {}  // not explicit: arrays of atomics are `{}`-initialized
  explicit rl_atomic(T v, source_loc l = source_loc::current()) {
    a_.store(v, rl::mo_relaxed, info(l));
  }
  rl_atomic(const rl_atomic&) = delete;
  rl_atomic& operator=(const rl_atomic&) = delete;

  T load(std::memory_order mo = std::memory_order_seq_cst,
         source_loc l = source_loc::current()) const {
    return a_.load(to_rl(orders::at_site(mo, orders::op_kind::load, l)), info(l));
  }
  void store(T v, std::memory_order mo = std::memory_order_seq_cst,
             source_loc l = source_loc::current()) {
    a_.store(v, to_rl(orders::at_site(mo, orders::op_kind::store, l)), info(l));
  }
  T exchange(T v, std::memory_order mo = std::memory_order_seq_cst,
             source_loc l = source_loc::current()) {
    return a_.exchange(v, to_rl(orders::at_site(mo, orders::op_kind::rmw, l)), info(l));
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, source_loc l = source_loc::current()) {
    const std::memory_order ok = orders::at_site(success, orders::op_kind::rmw, l);
    return a_.compare_exchange_weak(expected, desired, to_rl(ok), info(l),
                                    to_rl(orders::failure_at_site(failure, ok)), info(l));
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order mo = std::memory_order_seq_cst,
                             source_loc l = source_loc::current()) {
    return compare_exchange_weak(expected, desired, mo, cas_failure_order(mo), l);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, source_loc l = source_loc::current()) {
    const std::memory_order ok = orders::at_site(success, orders::op_kind::rmw, l);
    return a_.compare_exchange_strong(expected, desired, to_rl(ok), info(l),
                                      to_rl(orders::failure_at_site(failure, ok)), info(l));
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               source_loc l = source_loc::current()) {
    return compare_exchange_strong(expected, desired, mo, cas_failure_order(mo), l);
  }
  T fetch_add(T v, std::memory_order mo = std::memory_order_seq_cst,
              source_loc l = source_loc::current()) {
    return a_.fetch_add(v, to_rl(orders::at_site(mo, orders::op_kind::rmw, l)), info(l));
  }
  T fetch_sub(T v, std::memory_order mo = std::memory_order_seq_cst,
              source_loc l = source_loc::current()) {
    return a_.fetch_sub(v, to_rl(orders::at_site(mo, orders::op_kind::rmw, l)), info(l));
  }
  T fetch_or(T v, std::memory_order mo = std::memory_order_seq_cst,
             source_loc l = source_loc::current()) {
    return a_.fetch_or(v, to_rl(orders::at_site(mo, orders::op_kind::rmw, l)), info(l));
  }
  T fetch_and(T v, std::memory_order mo = std::memory_order_seq_cst,
              source_loc l = source_loc::current()) {
    return a_.fetch_and(v, to_rl(orders::at_site(mo, orders::op_kind::rmw, l)), info(l));
  }
  T fetch_xor(T v, std::memory_order mo = std::memory_order_seq_cst,
              source_loc l = source_loc::current()) {
    return a_.fetch_xor(v, to_rl(orders::at_site(mo, orders::op_kind::rmw, l)), info(l));
  }

  // Parks while the value equals `old`; never wakes spuriously (see the fidelity notes).
  void wait(T old, std::memory_order mo = std::memory_order_seq_cst,
            source_loc l = source_loc::current()) const {
    static_assert(std::is_same_v<T, std::uint32_t>, "csp parks only on atomic<std::uint32_t>");
    for (;;) {
      if (a_.load(to_rl(mo), info(l)) != old) return;
      if (a_.debug_value() != old) {  // stale read: the kernel compares the latest value
        rl::yield(1, info(l));
        continue;
      }
      a_.wait(rl::ctx(), false, false, info(l));
    }
  }

  // As wait(), but the timeout is an explored choice; false on timeout.
  template <class Clock, class Duration>
  bool wait_until(T old, const std::chrono::time_point<Clock, Duration>& /*deadline*/,
                  std::memory_order mo = std::memory_order_seq_cst,
                  source_loc l = source_loc::current()) const {
    static_assert(std::is_same_v<T, std::uint32_t>, "csp parks only on atomic<std::uint32_t>");
    for (;;) {
      if (a_.load(to_rl(mo), info(l)) != old) return true;
      if (a_.debug_value() != old) {
        rl::yield(1, info(l));
        continue;
      }
      if (a_.wait(rl::ctx(), true, false, info(l)) == rl::unpark_reason_timeout) {
        return a_.load(to_rl(mo), info(l)) != old;
      }
    }
  }

  void notify_one(source_loc l = source_loc::current()) {
    rl::ctx().sched();  // a notify is a system call: the thread may be preempted before it
    alive_.use(l);      // the notify uses the object: see alive_
    a_.wake(rl::ctx(), 1, info(l));
  }
  void notify_all(source_loc l = source_loc::current()) {
    rl::ctx().sched();
    alive_.use(l);
    a_.wake(rl::ctx(), std::numeric_limits<rl::thread_id_t>::max(), info(l));
  }

 private:
  mutable rl::atomic<T> a_;
  // A notify is a member call on the object, so in the C++ abstract machine it must
  // happen-before the object's destruction, like any other access: the parker promises it
  // (its NOTIFYING phase, parker.hpp P3), though the seam's notify is address-only.
  rl_lifetime alive_;
};

// Plain storage beside an rl::var<int> shadow that is read on every with() and written on every
// with_mut(): Relacy then race-checks the payload, whatever its type (optional, move-only, ...).
template <class T>
class rl_cell {
 public:
  template <class... Args>
  explicit rl_cell(Args&&... args) : value_(std::forward<Args>(args)...), shadow_(0) {}
  rl_cell(const rl_cell&) = delete;
  rl_cell& operator=(const rl_cell&) = delete;

  template <class F>
  decltype(auto) with(F&& f, source_loc l = source_loc::current()) const {
    (void)shadow_(info(l)).load();
    return std::invoke(std::forward<F>(f), std::as_const(value_));
  }
  template <class F>
  decltype(auto) with_mut(F&& f, source_loc l = source_loc::current()) {
    shadow_(info(l)).store(1);
    return std::invoke(std::forward<F>(f), value_);
  }

 private:
  T value_;
  rl::var<int> shadow_;
};

class rl_mutex {
 public:
  rl_mutex() = default;
  rl_mutex(const rl_mutex&) = delete;
  rl_mutex& operator=(const rl_mutex&) = delete;

  void lock(source_loc l = source_loc::current()) { m_.lock(info(l)); }
  bool try_lock(source_loc l = source_loc::current()) { return m_.try_lock(info(l)); }
  void unlock(source_loc l = source_loc::current()) { m_.unlock(info(l)); }
  rl::mutex& native() noexcept { return m_; }

 private:
  rl::mutex m_;
};

// std::unique_lock's interface over rl_mutex (Relacy's condition variable needs the raw mutex).
class rl_unique_lock {
 public:
  explicit rl_unique_lock(rl_mutex& m, source_loc l = source_loc::current()) : m_(&m), at_(l) {
    m_->lock(l);
    owns_ = true;
  }
  rl_unique_lock(rl_mutex& m, std::defer_lock_t) noexcept : m_(&m) {}
  rl_unique_lock(const rl_unique_lock&) = delete;
  rl_unique_lock& operator=(const rl_unique_lock&) = delete;
  ~rl_unique_lock() {
    if (owns_) m_->unlock(at_);
  }

  void lock(source_loc l = source_loc::current()) {
    m_->lock(l);
    owns_ = true;
    at_ = l;
  }
  void unlock(source_loc l = source_loc::current()) {
    owns_ = false;
    m_->unlock(l);
  }
  bool owns_lock() const noexcept { return owns_; }
  rl_mutex* mutex() const noexcept { return m_; }

 private:
  rl_mutex* m_;
  source_loc at_{};
  bool owns_ = false;
};

// Spurious wake-ups are enabled: Relacy's random scheduler explores them.
class rl_condition_variable {
 public:
  explicit rl_condition_variable(source_loc l = source_loc::current()) { cv_.init(true, info(l)); }
  ~rl_condition_variable() { cv_.deinit(info(source_loc::current())); }
  rl_condition_variable(const rl_condition_variable&) = delete;
  rl_condition_variable& operator=(const rl_condition_variable&) = delete;

  void wait(rl_unique_lock& lk, source_loc l = source_loc::current()) {
    (void)cv_.wait(lk.mutex()->native(), false, info(l));
  }
  template <class Clock, class Duration>
  std::cv_status wait_until(rl_unique_lock& lk,
                            const std::chrono::time_point<Clock, Duration>& /*deadline*/,
                            source_loc l = source_loc::current()) {
    return cv_.wait(lk.mutex()->native(), true, info(l)) == rl::sema_wakeup_reason_timeout
               ? std::cv_status::timeout
               : std::cv_status::no_timeout;
  }
  void notify_one(source_loc l = source_loc::current()) { cv_.notify_one(info(l)); }
  void notify_all(source_loc l = source_loc::current()) { cv_.notify_all(info(l)); }

 private:
  struct tag;
  rl::condvar<tag> cv_;
};

// Time stands still in a model; deadlines only have to type-check.
struct model_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<model_clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept { return time_point{}; }
};

// The observation hook (csp/sync/mutation.hpp): a model that records histories installs it
// for the duration of its simulation; null otherwise.
inline void (*observe_hook)(sync::point) = nullptr;

template <class Mutant = void, unsigned SpinLimit = 1, unsigned RendezvousCells = 2>
struct relacy_backend {
  template <class T>
  using atomic = rl_atomic<T>;
  template <class T>
  using cell = rl_cell<T>;
  using mutex = rl_mutex;
  using unique_lock = rl_unique_lock;
  using condition_variable = rl_condition_variable;
  using lifetime = rl_lifetime;
  using clock = model_clock;
  using mutant = Mutant;

  static constexpr unsigned spin_limit = SpinLimit;
  // Few cells, so models exercise the wrap-around of an unbuffered channel's ring.
  static constexpr unsigned rendezvous_cells = RendezvousCells;

  static void fence(std::memory_order mo, source_loc l = source_loc::current()) {
    rl::atomic_thread_fence(to_rl(orders::at_site(mo, orders::op_kind::fence, l)), info(l));
  }
  static void observe(sync::point p) {
    if (observe_hook != nullptr) observe_hook(p);
  }
  static void pause(source_loc l = source_loc::current()) { rl::yield(1, info(l)); }
  static void yield(source_loc l = source_loc::current()) { rl::yield(1, info(l)); }
  static void prefetch_for_write(const void*) noexcept {}  // a hint: nothing to explore
  static std::uint32_t random(std::uint32_t bound, source_loc = source_loc::current()) {
    return rl::rand(bound);
  }
};

static_assert(sync::backend<relacy_backend<>>);

// A failed model assertion, reported at the caller's line.
inline void check(bool ok, const char* what, source_loc l = source_loc::current()) {
  if (!ok) rl::ctx().fail_test(what, rl::test_result_user_assert_failed, info(l));
}

}  // namespace csp::models
