// csp/mutex_based/mutex.hpp — the backend's own mutex (std::mutex), behind csp's mutex API.
//
// The reference csp::mutex (the lock-free family's futex lock) is measured and checked against.
// It forwards to B::mutex, which is std::mutex in user builds (glibc's pthread mutex: itself a
// futex lock, with the same three states, plus the bookkeeping POSIX mutex types need) and
// Relacy's mutex in the models. Writing a second mutex out of a mutex and a condition variable
// would only add a lock around a lock; wrapping keeps the conformance tests, models and
// benchmarks typed over both families, as for every other primitive.
//
// Lifecycle: as B::mutex. std::mutex is constexpr-constructible, so this is constinit with the
// standard backend. Not recursive; unlocking a mutex this thread does not hold is undefined.
//
// Synchronization contract
//   For any threads X and Y: X's unlock() synchronizes with the lock() or successful try_lock()
//   in Y that next acquires the mutex (B::mutex's own guarantee).
//
// Invariants (asserted by models/mutex_model.cpp)
//   I1. Mutual exclusion (B::mutex's). try_lock() may fail spuriously with Relacy's mutex, as
//       the standard allows; std::mutex's does not in practice.
//
// State encoding: none of its own; B::mutex's.
//
// Incorrect alternatives: none is planted here — the algorithm is B::mutex's. The futex lock's
// classic bugs live in csp/lock_free/mutex.hpp and its mutants.
#pragma once

#include "csp/sync/backend.hpp"

namespace csp::mutex_based {

template <class B = sync::std_backend>
class basic_mutex {
 public:
  using backend_type = B;

  constexpr basic_mutex() noexcept {}
  basic_mutex(const basic_mutex&) = delete;
  basic_mutex& operator=(const basic_mutex&) = delete;

  void lock() { m_.lock(); }
  [[nodiscard]] bool try_lock() { return m_.try_lock(); }
  void unlock() { m_.unlock(); }

 private:
  typename B::mutex m_;
};

using mutex = basic_mutex<>;

}  // namespace csp::mutex_based
