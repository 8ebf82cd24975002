// models/once_suites.hpp — Relacy suites for both once implementations and for lazy<T>.
//
// Each suite is a template over the once type (an implementation instantiated with a
// relacy_backend), the number of threads, and the expected Relacy result, so the same suite
// proves the shipped code correct (models/once_model.cpp) and proves that planted bugs are
// caught (models/mutants/once_mutants.cpp).
//
// What they assert — the header contracts of csp/{lock_free,mutex_based}/once.hpp:
//   publication  everything f wrote is visible to every caller that returns: the data lives in
//                cells, so Relacy reports a DATA RACE if the happens-before edge is missing;
//                and it reads the final value (a user assert otherwise);
//   I1           f completes exactly once, whatever the interleaving (a counter in a cell);
//   lazy         the value built inside the once is fully visible to every get() that returns
//                (the cell read in get() races with the construction if the edge is missing);
//   retry        the first attempt throws: exactly one caller sees the exception, a later
//                caller runs f again and completes it, and the failed attempt happens-before
//                the retry (the attempt counter is a cell written by both attempts);
//   no lost wake-up, no deadlock  every call() returns (Relacy reports DEADLOCK otherwise),
//                also when the runner throws while others are parked.
#pragma once

#include "csp/lock_free/once.hpp"
#include "csp/mutex_based/once.hpp"
#include "csp/once.hpp"
#include "harness.hpp"

namespace csp::models::once_model {

template <class Once>
using cell = typename Once::backend_type::template cell<int>;

inline int read(const auto& c) {
  return c.with([](const int& v) { return v; });
}

// Threads race to call(f); f counts its runs and writes the value. Every caller that returns
// sees the value; f ran exactly once.
template <class Once, unsigned Threads, rl::test_result_e Expected = rl::test_result_success>
struct publish : rl::test_suite<publish<Once, Threads, Expected>, Threads, Expected> {
  Once once;
  cell<Once> runs{0};
  cell<Once> value{0};

  void thread(unsigned) {
    once.call([this] {
      runs.with_mut([](int& r) { ++r; });
      value.with_mut([](int& v) { v = 42; });
    });
    check(read(value) == 42, "call() returned before f's write");
    check(read(runs) == 1, "f ran more than once");
    check(once.done(), "done() false after call() returned");
  }
  void after() { check(read(runs) == 1, "f did not complete exactly once"); }
};

// done() as a reader's only synchronization: one thread calls, the other polls done() and,
// once it says true, reads what f wrote — without ever calling. done()'s acquire is what makes
// that read ordered (an observer that checks "is it initialized?" before using the object).
template <class Once, rl::test_result_e Expected = rl::test_result_success>
struct done_publishes : rl::test_suite<done_publishes<Once, Expected>, 2, Expected> {
  Once once;
  cell<Once> value{0};

  void thread(unsigned index) {
    if (index == 0) {
      once.call([this] { value.with_mut([](int& v) { v = 42; }); });
    } else if (once.done()) {
      check(read(value) == 42, "done() true before f's write was visible");
    }
  }
};

// The concurrent singleton: lazy<T>::get() from every thread; the value is built once and the
// construction is visible to every caller (the double-checked locking contract).
template <class Once, unsigned Threads, rl::test_result_e Expected = rl::test_result_success>
struct lazy_publish : rl::test_suite<lazy_publish<Once, Threads, Expected>, Threads, Expected> {
  cell<Once> builds{0};
  csp::lazy<int, Once> value{[this] {
    builds.with_mut([](int& b) { ++b; });
    return 42;
  }};

  void thread(unsigned) {
    check(*value == 42, "get() returned before the value was built");
    check(value.ready(), "ready() false after get() returned");
  }
  void after() { check(read(builds) == 1, "the value was not built exactly once"); }
};

// The first attempt throws. Each thread retries until its call() returns normally: exactly one
// exception reaches a caller, the second attempt completes, every caller then sees its write.
template <class Once, unsigned Threads, rl::test_result_e Expected = rl::test_result_success>
struct retry_after_throw
    : rl::test_suite<retry_after_throw<Once, Threads, Expected>, Threads, Expected> {
  struct first_attempt_failed {};
  Once once;
  cell<Once> attempts{0};  // written by both attempts: the reset must order them
  cell<Once> value{0};
  int threw[Threads] = {};

  void thread(unsigned index) {
    for (;;) {
      try {
        once.call([this] {
          const int n = attempts.with_mut([](int& a) { return ++a; });
          if (n == 1) throw first_attempt_failed{};
          value.with_mut([](int& v) { v = 42; });
        });
        break;
      } catch (const first_attempt_failed&) {
        ++threw[index];
      }
    }
    check(read(value) == 42, "call() returned before the retry's write");
  }
  void after() {
    int total = 0;
    for (const int t : threw) total += t;
    check(total == 1, "the failed attempt's exception must reach exactly one caller");
    check(read(attempts) == 2, "f must run exactly twice: the failure, then the retry");
    check(once.done(), "the retry completed, so the once is done");
  }
};

}  // namespace csp::models::once_model
