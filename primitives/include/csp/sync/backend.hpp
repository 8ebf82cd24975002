// csp/sync/backend.hpp — the seam between csp's algorithms and the world they run in.
//
// One source, two worlds. Every primitive is written once, as a class template whose last
// parameter is a backend B, defaulted to `std_backend`:
//
//   template <class B = sync::std_backend> class basic_wait_group;
//
// User builds run on std::atomic, std::mutex and the futex. The Relacy models in models/
// instantiate the very same template with `csp::models::relacy_backend<>`, whose types are
// Relacy's: the model checker then explores the interleavings and weak-memory behaviours of the
// code that ships, not of a transcription of it (folly's `Atom` parameter, loom's cfg switch).
//
// What a backend provides, and why each piece is in the seam:
//
//   atomic<T>            std::atomic's interface taking std::memory_order (load, store,
//                        exchange, compare_exchange_*, fetch_*), plus parking on
//                        atomic<std::uint32_t>: wait(old, mo) returns once the value differs
//                        (never spuriously), wait_until(old, deadline, mo) returns false on
//                        timeout, notify_one() / notify_all() (destruction-safe: address only;
//                        the Relacy backend checks the stricter rule that a notify happens-
//                        before the object's destruction, which the parker promises).
//   cell<T>              plain shared data, accessed only through with(f) and with_mut(f), so
//                        the checker sees every read and write and reports unordered ones.
//   mutex, unique_lock,  std-compatible blocking; the checker reports deadlocks, lock-order
//   condition_variable   inversions and lost wake-ups through them.
//   fence(mo)            std::atomic_thread_fence.
//   pause(), yield()     one busy-wait iteration / give up the CPU. Every spin loop must call
//                        one of them each iteration: the checker needs it to tell a spin from a
//                        livelock.
//   prefetch_for_write(p) a hint that the line holding p will soon be written (no effect on
//                        meaning; the checker's does nothing).
//   random(n)            uniform in [0, n): the checker explores every outcome.
//   clock                the clock deadlines are measured on (the checker's does not advance:
//                        timeouts are explored choices instead).
//   spin_limit,          small tunables; the checker's are tiny so models stay small (and an
//   rendezvous_cells     unbuffered channel's ring wraps within a model).
//   mutant               the planted bug (mutation.hpp); void for none.
//   lifetime (optional)  a checking backend's shadow of a record's lifetime: use() where
//                        another thread reads the record, checked against its death
//                        (mutation.hpp, sync::lifetime; empty and free without it).
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "csp/sync/mutation.hpp"
#include "csp/sync/std_backend.hpp"

namespace csp::models {
// The Relacy models read a primitive's internal state through specializations of this friend
// (e.g. to take a step only once a waiter is known to be parked). Never defined in user builds.
template <class Primitive>
struct access;
}  // namespace csp::models

namespace csp::sync {

template <class B>
concept backend = requires(typename B::template atomic<std::uint32_t>& a, std::uint32_t v,
                           std::memory_order mo, typename B::template cell<int>& c,
                           const typename B::template cell<int>& cc, typename B::mutex& m,
                           typename B::unique_lock& lk, typename B::condition_variable& cv,
                           typename B::clock::time_point t) {
  { a.load(mo) } -> std::same_as<std::uint32_t>;
  a.store(v, mo);
  { a.exchange(v, mo) } -> std::same_as<std::uint32_t>;
  { a.fetch_add(v, mo) } -> std::same_as<std::uint32_t>;
  { a.fetch_sub(v, mo) } -> std::same_as<std::uint32_t>;
  { a.fetch_or(v, mo) } -> std::same_as<std::uint32_t>;
  { a.fetch_and(v, mo) } -> std::same_as<std::uint32_t>;
  { a.compare_exchange_weak(v, v, mo, mo) } -> std::same_as<bool>;
  { a.compare_exchange_strong(v, v, mo, mo) } -> std::same_as<bool>;
  a.wait(v, mo);
  { a.wait_until(v, t, mo) } -> std::same_as<bool>;
  a.notify_one();
  a.notify_all();

  {
    cc.with([](const int& x) { return x; })
    } -> std::same_as<int>;
  c.with_mut([](int& x) { x = 1; });

  m.lock();
  m.unlock();
  { m.try_lock() } -> std::same_as<bool>;
  requires std::constructible_from<typename B::unique_lock, typename B::mutex&>;
  cv.wait(lk);
  { cv.wait_until(lk, t) } -> std::same_as<std::cv_status>;
  cv.notify_one();
  cv.notify_all();

  B::fence(std::memory_order_seq_cst);
  B::pause();
  B::yield();
  B::prefetch_for_write(static_cast<const void*>(nullptr));
  { B::random(v) } -> std::same_as<std::uint32_t>;
  { B::clock::now() } -> std::same_as<typename B::clock::time_point>;
  { B::spin_limit } -> std::convertible_to<unsigned>;
  { B::rendezvous_cells } -> std::convertible_to<unsigned>;
  typename B::mutant;
};

static_assert(backend<std_backend>);

}  // namespace csp::sync
