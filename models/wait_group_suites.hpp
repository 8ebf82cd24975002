// models/wait_group_suites.hpp — Relacy suites for both wait_group implementations.
//
// Each suite is a template over the wait group type WG (an implementation instantiated with a
// relacy_backend) and the expected Relacy result, so the same suite proves the shipped code
// correct (models/wait_group_model.cpp) and proves that planted bugs are caught
// (models/mutants/wait_group_mutants.cpp).
//
// What they assert — the header contracts of csp/{lock_free,mutex_based}/wait_group.hpp:
//   publication  plain data written before done() is visible after wait() returns: the data
//                lives in a cell, so Relacy reports a DATA RACE if the edge is missing;
//   no lost wake-up, no deadlock  every wait() returns (Relacy reports DEADLOCK otherwise),
//                with one and with two waiters, and when the waiter's timed wait races the zero;
//   I1           of two concurrent done() on a counter of 1 exactly one throws wait_group_error;
//   I2           a wait() whose cycle completed returns even if the group is immediately reused.
#pragma once

#include <chrono>

#include "csp/errors.hpp"
#include "csp/lock_free/wait_group.hpp"
#include "csp/mutex_based/wait_group.hpp"
#include "harness.hpp"

namespace csp::models {

// Whether a thread has committed to waiting for the current cycle (it has read the epoch it
// waits on), so a model can complete the cycle knowing the waiter started before it.
template <class B>
struct access<lock_free::basic_wait_group<B>> {
  static bool has_waiter(lock_free::basic_wait_group<B>& wg) {
    // relaxed: an observation for the test's scheduling only; it orders nothing.
    return (wg.state_.load(std::memory_order_relaxed) &
            lock_free::basic_wait_group<B>::waiters_bit) != 0;
  }
};

template <class B>
struct access<mutex_based::basic_wait_group<B>> {
  static bool has_waiter(mutex_based::basic_wait_group<B>& wg) {
    typename B::unique_lock lk(wg.m_);
    return wg.state_.with([](const auto& st) { return st.blocked != 0; });
  }
};

}  // namespace csp::models

namespace csp::models::wg {

// One worker publishes through done(); one waiter reads after wait().
template <class WG, rl::test_result_e Expected = rl::test_result_success>
struct publish_1w1w : rl::test_suite<publish_1w1w<WG, Expected>, 2, Expected> {
  WG wg;
  typename WG::backend_type::template cell<int> data{0};

  void before() { wg.add(1); }
  void thread(unsigned index) {
    if (index == 0) {
      data.with_mut([](int& d) { d = 42; });
      wg.done();
    } else {
      wg.wait();
      check(data.with([](const int& d) { return d; }) == 42, "wait() returned before done()");
    }
  }
};

// Two workers, one waiter: both writes visible; the first done() must not release the waiter.
template <class WG, rl::test_result_e Expected = rl::test_result_success>
struct publish_2w1w : rl::test_suite<publish_2w1w<WG, Expected>, 3, Expected> {
  WG wg;
  typename WG::backend_type::template cell<int> data[2] = {
      typename WG::backend_type::template cell<int>{0},
      typename WG::backend_type::template cell<int>{0}};

  void before() { wg.add(2); }
  void thread(unsigned index) {
    if (index < 2) {
      data[index].with_mut([index](int& d) { d = static_cast<int>(index) + 1; });
      wg.done();
    } else {
      wg.wait();
      check(data[0].with([](const int& d) { return d; }) == 1, "first task's write lost");
      check(data[1].with([](const int& d) { return d; }) == 2, "second task's write lost");
    }
  }
};

// One worker, two waiters: the zero transition must wake both (a notify_one loses one).
template <class WG, rl::test_result_e Expected = rl::test_result_success>
struct two_waiters : rl::test_suite<two_waiters<WG, Expected>, 3, Expected> {
  WG wg;
  typename WG::backend_type::template cell<int> data{0};

  void before() { wg.add(1); }
  void thread(unsigned index) {
    if (index == 0) {
      data.with_mut([](int& d) { d = 7; });
      wg.done();
    } else {
      wg.wait();
      check(data.with([](const int& d) { return d; }) == 7, "waiter missed the task's write");
    }
  }
};

// The waiter's timed wait races the zero transition; its timeout is an explored choice.
// Whatever wait_for() answers, a following wait() returns, and true implies the edge.
template <class WG, rl::test_result_e Expected = rl::test_result_success>
struct timed_wait : rl::test_suite<timed_wait<WG, Expected>, 2, Expected> {
  WG wg;
  typename WG::backend_type::template cell<int> data{0};

  void before() { wg.add(1); }
  void thread(unsigned index) {
    if (index == 0) {
      data.with_mut([](int& d) { d = 5; });
      wg.done();
    } else {
      if (wg.wait_for(std::chrono::milliseconds(1))) {
        check(data.with([](const int& d) { return d; }) == 5, "wait_for true before done()");
      }
      wg.wait();
      check(data.with([](const int& d) { return d; }) == 5, "wait() returned before done()");
    }
  }
};

// I1: two racing done() on a counter of 1 — exactly one succeeds, the other throws and changes
// nothing (the counter stays at zero: a wait() returns at once).
template <class WG, rl::test_result_e Expected = rl::test_result_success>
struct racing_done : rl::test_suite<racing_done<WG, Expected>, 2, Expected> {
  WG wg;
  int threw[2] = {0, 0};

  void before() { wg.add(1); }
  void thread(unsigned index) {
    try {
      wg.done();
    } catch (const wait_group_error&) {
      threw[index] = 1;
    }
  }
  void after() {
    check(threw[0] + threw[1] == 1, "exactly one of two done() on a counter of 1 must throw");
    wg.wait();  // the counter is zero, not negative
  }
};

// I2: the waiter's cycle completes and the group is reused at once (Go calls this misuse and
// may panic); the waiter must still return — it must not wait for the second cycle, which here
// never completes. The worker completes the first cycle only once the waiter is committed to it.
template <class WG, rl::test_result_e Expected = rl::test_result_success>
struct reuse : rl::test_suite<reuse<WG, Expected>, 2, Expected> {
  WG wg;

  void before() { wg.add(1); }
  void thread(unsigned index) {
    if (index == 0) {
      while (!access<WG>::has_waiter(wg)) WG::backend_type::yield();
      wg.done();
      wg.add(1);  // the next cycle starts before the waiter has returned
    } else {
      wg.wait();
    }
  }
  void after() { wg.done(); }
};

}  // namespace csp::models::wg
