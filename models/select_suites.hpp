// models/select_suites.hpp — Relacy suites for csp::select over every channel implementation.
//
// Each suite is a template over the two channel types A and C it selects on (any mix of
// implementations, instantiated with one relacy_backend), their capacities, and the expected
// Relacy result, so the same suites prove the shipped select correct (models/select_model.cpp)
// and prove planted bugs are caught (models/mutants/select_mutants.cpp). What they assert:
//
//   exactly once     a select commits one case: a value sent to a case that lost is neither
//                    received nor lost (the send completes elsewhere or fails), a value
//                    received was sent exactly once
//   agreement        two selects that meet agree on the channel and the value
//   close            a receive case sees nullopt only after close() (S4, through a cell); a
//                    send case chosen on a closed channel throws
//   S1 send→recv     data written before a send is visible after the select that received it
//   no stale waiter  after every select returned, no waiter of theirs is left in a channel
//   liveness         no select or operation blocks forever (Relacy reports DEADLOCK)
#pragma once

#include <cstddef>
#include <optional>

#include "csp/errors.hpp"
#include "csp/lock_free/channel.hpp"
#include "csp/mutex_based/channel.hpp"
#include "csp/select.hpp"
#include "harness.hpp"

namespace csp::models {

template <class T, class B>
struct access<mutex_based::channel<T, B>> {
  // No waiter left in either queue (call when no thread runs).
  static bool idle(const mutex_based::channel<T, B>& ch) {
    return ch.s_->guarded.with([](const auto& c) { return c.sendq.empty() && c.recvq.empty(); });
  }
};

}  // namespace csp::models

namespace csp::models::sel {

// No stale waiter: after every select returned, none of their waiters is left in a channel.
// The mutex-based queues are checked here; the lock-free rendezvous' cells by its own models.
template <class T, class B>
bool idle(const mutex_based::channel<T, B>& ch) {
  return access<mutex_based::channel<T, B>>::idle(ch);
}
template <class T, class B>
bool idle(const lock_free::channel<T, B>&) {
  return true;
}

template <class Ch>
using cell_of = typename Ch::backend_type::template cell<int>;

inline int read(const auto& c) {
  return c.with([](const int& v) { return v; });
}

// Receives everything still buffered in a closed channel.
template <class Ch>
int drain(const Ch& ch, int (&got)[3]) {
  int n = 0;
  while (std::optional<int> v = ch.recv()) {
    ++got[*v];
    ++n;
  }
  return n;
}

// One select receives from a or c; a sender on each; then the selecting thread closes both
// and drains them. Every value whose send returned is received exactly once (by the select or
// the drain), and a send that threw delivered nothing. (Mutant: two cases both commit, the
// second value is moved into the losing case and vanishes.)
template <class A, class C, std::size_t CapA, std::size_t CapC,
          rl::test_result_e Expected = rl::test_result_success>
struct exactly_one_of_two
    : rl::test_suite<exactly_one_of_two<A, C, CapA, CapC, Expected>, 3, Expected> {
  A a{CapA};
  C c{CapC};
  cell_of<A> payload[3] = {cell_of<A>{0}, cell_of<A>{0}, cell_of<A>{0}};
  bool sent[3] = {false, false, false};
  int got[3] = {0, 0, 0};

  void thread(unsigned index) {
    if (index == 0) {
      const std::size_t i =
          csp::select(csp::on_recv(a,
                                   [&](std::optional<int> v) {
                                     check(v == 1, "case a received something else");
                                     check(read(payload[1]) == 1, "S1: payload of a not visible");
                                     ++got[1];
                                   }),
                      csp::on_recv(c, [&](std::optional<int> v) {
                        check(v == 2, "case c received something else");
                        check(read(payload[2]) == 2, "S1: payload of c not visible");
                        ++got[2];
                      }));
      check(i < 2, "select returned a case that does not exist");
      a.close();
      c.close();
      (void)drain(a, got);
      (void)drain(c, got);
    } else {
      const int v = static_cast<int>(index);
      payload[v].with_mut([v](int& p) { p = v; });
      try {
        if (index == 1) {
          a.send(v);
        } else {
          c.send(v);
        }
        sent[v] = true;
      } catch (const closed_channel_error&) {
      }
    }
  }
  void after() {
    for (int v = 1; v <= 2; ++v) {
      check(got[v] == (sent[v] ? 1 : 0), "a sent value lost, duplicated, or a failed one got");
    }
  }
};

// Two selects meet on unbuffered channels from both sides: thread 0 offers 1 on a or takes
// from c; thread 1 takes from a or offers 2 on c. Exactly one transfer happens, and both agree
// on which. With `same`, a and c are one channel (Go's TestSelfSelect: each select has a send
// and a receive case on it, and must not meet itself).
template <class A, bool Same, rl::test_result_e Expected = rl::test_result_success>
struct select_meets_select : rl::test_suite<select_meets_select<A, Same, Expected>, 2, Expected> {
  A a{0};
  A c_own{0};
  const A& c = Same ? a : c_own;
  std::size_t chose[2] = {9, 9};
  std::optional<int> got[2];

  void thread(unsigned index) {
    if (index == 0) {
      chose[0] = csp::select(csp::on_send(a, 10),
                             csp::on_recv(c, [&](std::optional<int> v) { got[0] = v; }));
    } else {
      chose[1] = csp::select(csp::on_recv(a, [&](std::optional<int> v) { got[1] = v; }),
                             csp::on_send(c, 20));
    }
  }
  void after() {
    // 0 sent on a and 1 received it, or 1 sent on c and 0 received it.
    const bool via_a = chose[0] == 0 && chose[1] == 0 && got[1] == 10 && !got[0];
    const bool via_c = chose[0] == 1 && chose[1] == 1 && got[0] == 20 && !got[1];
    check(via_a || via_c, "the two selects disagree, or a value was lost or duplicated");
  }
};

// Two selects name the same two unbuffered channels in opposite orders: thread 0 offers 10 on
// a or takes from c, thread 1 offers 20 on c or takes from a. Exactly one transfer happens and
// both agree on it; neither deadlocks on the other's locks (mutex-based: both lock a and c in
// one global order, not in argument order — Go's lockorder).
template <class A, rl::test_result_e Expected = rl::test_result_success>
struct crossed_selects : rl::test_suite<crossed_selects<A, Expected>, 2, Expected> {
  A a{0};
  A c{0};
  std::size_t chose[2] = {9, 9};
  std::optional<int> got[2];

  void thread(unsigned index) {
    const A& mine = index == 0 ? a : c;
    const A& theirs = index == 0 ? c : a;
    chose[index] = csp::select(csp::on_send(mine, index == 0 ? 10 : 20),
                               csp::on_recv(theirs, [&](std::optional<int> v) { got[index] = v; }));
  }
  void after() {
    // 0 sent on a and 1 received it, or 1 sent on c and 0 received it.
    const bool via_a = chose[0] == 0 && chose[1] == 1 && got[1] == 10 && !got[0];
    const bool via_c = chose[1] == 0 && chose[0] == 1 && got[0] == 20 && !got[1];
    check(via_a || via_c, "the two selects disagree, or a value was lost or duplicated");
  }
};

// Go's TestNonblockSelectRace: a holds a value; thread 1 sends on c (capacity 1) or closes it
// (capacity 0), then takes a's value if it is still there. At every moment a or c is ready,
// so thread 0's select with a default must not take the default.
template <class A, class C, std::size_t CapC, rl::test_result_e Expected = rl::test_result_success>
struct default_is_a_snapshot
    : rl::test_suite<default_is_a_snapshot<A, C, CapC, Expected>, 2, Expected> {
  A a{1};
  C c{CapC};

  void before() { a.send(1); }
  void thread(unsigned index) {
    if (index == 0) {
      bool defaulted = false;
      (void)csp::select(csp::on_recv(a), csp::on_recv(c),
                        csp::on_default([&] { defaulted = true; }));
      check(!defaulted, "the default was taken while a or c was ready at every moment");
    } else {
      if constexpr (CapC > 0) {
        c.send(2);
      } else {
        c.close();
      }
      int v = 0;
      (void)a.try_recv(v);
    }
  }
};

// A select blocked on two channels; one is closed, and a sender tries the other before it is
// closed too. The select sees nullopt only after a close (S4); the sender's value is received
// iff its send returned.
template <class A, class C, std::size_t CapA, std::size_t CapC,
          rl::test_result_e Expected = rl::test_result_success>
struct select_at_close : rl::test_suite<select_at_close<A, C, CapA, CapC, Expected>, 3, Expected> {
  A a{CapA};
  C c{CapC};
  cell_of<A> before_close{0};
  bool sent = false;
  int got = 0;

  void thread(unsigned index) {
    if (index == 0) {
      csp::select(csp::on_recv(a,
                               [&](std::optional<int> v) {
                                 check(!v, "received from a channel nobody sends on");
                                 check(read(before_close) == 1, "S4: nullopt before the close");
                               }),
                  csp::on_recv(c, [&](std::optional<int> v) {
                    if (v) {
                      check(*v == 5, "received an unsent value");
                      ++got;
                    } else {
                      check(read(before_close) == 1, "S4: nullopt before the close");
                    }
                  }));
      while (std::optional<int> v = c.recv()) ++got;  // c is closed eventually
    } else if (index == 1) {
      before_close.with_mut([](int& p) { p = 1; });
      a.close();
      c.close();
    } else {
      try {
        c.send(5);
        sent = true;
      } catch (const closed_channel_error&) {
      }
    }
  }
  void after() { check(got == (sent ? 1 : 0), "the value was lost or delivered by a failed send"); }
};

// A select blocked receiving from two channels; a send to one of them must wake it (a lost
// wake-up strands it). The other channel stays empty.
template <class A, class C, std::size_t CapA, std::size_t CapC,
          rl::test_result_e Expected = rl::test_result_success>
struct wake_by_send : rl::test_suite<wake_by_send<A, C, CapA, CapC, Expected>, 2, Expected> {
  A a{CapA};
  C c{CapC};
  cell_of<A> payload{0};

  void thread(unsigned index) {
    if (index == 0) {
      const std::size_t i = csp::select(csp::on_recv(c), csp::on_recv(a, [&](std::optional<int> v) {
                                          check(v == 7, "received the wrong value");
                                          check(read(payload) == 7, "S1: payload not visible");
                                        }));
      check(i == 1, "a case with nothing sent was chosen");
    } else {
      payload.with_mut([](int& p) { p = 7; });
      a.send(7);
    }
  }
  void after() { check(idle(a) && idle(c), "a select left a waiter queued"); }
};

// A select waits to receive from two unbuffered channels; once it has registered both cases and
// sleeps (the observation point select_waiting), it is findable: a try_send on either must pair
// with it, as Go's select with a default would with a select in the channel's receive queue.
// (Mutant rdv_try_ignores_selects: the try operations look only for plain waiters.)
template <class A, rl::test_result_e Expected = rl::test_result_success>
struct try_send_finds_select : rl::test_suite<try_send_finds_select<A, Expected>, 2, Expected> {
  A a{0};
  A c{0};
  typename A::backend_type::template atomic<bool> waiting{false};

  static inline try_send_finds_select* active = nullptr;
  static void on_observe(sync::point p) {
    // release: publishes nothing; the flag only lets the sender start.
    if (p == sync::point::select_waiting) active->waiting.store(true, std::memory_order_release);
  }
  void before() {
    active = this;
    observe_hook = &on_observe;
  }
  void thread(unsigned index) {
    if (index == 0) {
      const std::size_t i = csp::select(
          csp::on_recv(a, [&](std::optional<int> v) { check(v == 7, "received the wrong value"); }),
          csp::on_recv(c));
      check(i == 0, "a case with nothing sent was chosen");
    } else {
      // acquire: pairs with the release above (nothing is read through it).
      while (!waiting.load(std::memory_order_acquire)) A::backend_type::yield();
      check(a.try_send(7) == status::ok, "try_send passed over a select waiting to receive");
    }
  }
  void after() {
    observe_hook = nullptr;
    check(idle(a) && idle(c), "a select left a waiter queued");
  }
};

// A select sending on one of two full-or-unbuffered channels; a receive from one of them must
// wake it; the value arrives exactly once and the other channel gets nothing.
template <class A, class C, std::size_t CapA, std::size_t CapC,
          rl::test_result_e Expected = rl::test_result_success>
struct wake_by_recv : rl::test_suite<wake_by_recv<A, C, CapA, CapC, Expected>, 2, Expected> {
  A a{CapA};
  C c{CapC};

  void before() {
    for (std::size_t i = 0; i < CapA; ++i) a.send(-1);  // full: the send case must wait
    for (std::size_t i = 0; i < CapC; ++i) c.send(-1);
  }
  void thread(unsigned index) {
    if (index == 0) {
      const std::size_t i = csp::select(csp::on_send(c, 8), csp::on_send(a, 9));
      check(i == 1, "a send case nobody made room for was chosen");
    } else {
      for (std::size_t k = 0; k < CapA; ++k) check(a.recv() == -1, "buffer order broken");
      check(a.recv() == 9, "the select's value did not arrive");
    }
  }
  void after() {
    check(c.size() == CapC, "the losing send case delivered its value");
    check(idle(a) && idle(c), "a select left a waiter queued");
  }
};

}  // namespace csp::models::sel
