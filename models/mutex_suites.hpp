// models/mutex_suites.hpp — Relacy suites for both mutex implementations.
//
// Each suite is a template over the mutex type (an implementation instantiated with a
// relacy_backend), the shape of the run, and the expected Relacy result, so the same suite
// proves the shipped code correct (models/mutex_model.cpp) and proves that planted bugs are
// caught (models/mutants/mutex_mutants.cpp).
//
// What they assert — the header contracts of csp/{lock_free,mutex_based}/mutex.hpp:
//   I1 mutual exclusion  the critical section writes a cell, so two threads inside at once are
//                a DATA RACE, and it counts its occupants (a user assert if ever two);
//   synchronization      each critical section reads what the previous one wrote (the count
//                of completed sections is exact at the end: no lost update);
//   no lost wake-up, no deadlock  every lock() returns (Relacy reports DEADLOCK otherwise),
//                with one and with two threads parked;
//   try_lock     a successful try_lock() acquires like lock(), through std::unique_lock.
#pragma once

#include <mutex>

#include "csp/lock_free/mutex.hpp"
#include "csp/mutex_based/mutex.hpp"
#include "harness.hpp"

namespace csp::models::mutex_model {

template <class M>
using cell = typename M::backend_type::template cell<int>;

// The critical section: one occupant at a time, each sees every earlier section's update.
template <class M>
void critical_section(cell<M>& inside, cell<M>& sections) {
  const int now = inside.with_mut([](int& i) { return ++i; });
  check(now == 1, "two threads inside the critical section");
  sections.with_mut([](int& s) { ++s; });
  inside.with_mut([](int& i) { --i; });
}

// Threads x Rounds lock()/unlock() pairs through std::lock_guard.
template <class M, unsigned Threads, unsigned Rounds,
          rl::test_result_e Expected = rl::test_result_success>
struct exclusion : rl::test_suite<exclusion<M, Threads, Rounds, Expected>, Threads, Expected> {
  M m;
  cell<M> inside{0};
  cell<M> sections{0};

  void thread(unsigned) {
    for (unsigned r = 0; r < Rounds; ++r) {
      std::lock_guard<M> lk(m);
      critical_section<M>(inside, sections);
    }
  }
  void after() {
    check(sections.with([](const int& s) { return s; }) == static_cast<int>(Threads * Rounds),
          "a critical section's update was lost");
  }
};

// One thread locks; the other takes the mutex only through try_lock() (std::unique_lock with
// std::try_to_lock), retrying with a yield while it is held.
template <class M, rl::test_result_e Expected = rl::test_result_success>
struct try_lock : rl::test_suite<try_lock<M, Expected>, 2, Expected> {
  M m;
  cell<M> inside{0};
  cell<M> sections{0};

  void thread(unsigned index) {
    if (index == 0) {
      std::lock_guard<M> lk(m);
      critical_section<M>(inside, sections);
    } else {
      for (;;) {
        std::unique_lock<M> lk(m, std::try_to_lock);
        if (lk.owns_lock()) {
          critical_section<M>(inside, sections);
          break;
        }
        M::backend_type::yield();
      }
    }
  }
  void after() {
    check(sections.with([](const int& s) { return s; }) == 2, "a critical section was lost");
  }
};

}  // namespace csp::models::mutex_model
