// Go port, select: Go's own select tests — src/runtime/chan_test.go and test/chan/select*.go,
// doubleselect.go, nonblock.go — translated to C++ and run over every channel implementation
// (channel_goport_test.cpp did the same for the plain channel operations). Each test names the
// Go file and test it comes from.
//
// Goroutines become std::threads; counts are scaled down where a test starts a thread per
// round or hands values over one at a time, and the test says so. Go orders some of these
// tests with time.Sleep ("make sure the goroutine is queued first"); here the order is made
// likely by yielding a while (let_it_block) and every test holds in either order. A wait that
// Go bounds by a sleep is a generous upper bound only; the one short wait (select3.go's 100 ms
// "does it block?") is only ever expected to expire, because nothing can make the operation
// proceed until the test releases it.
//
// Go's nil channel (never ready, in or out of a select) is modeled as a private channel nobody
// else uses; where a test has to release a thread blocked on it, it closes it.
//
// Not ported:
//   test/chan/select3.go  the empty `select {}` (csp::select needs a case: a static_assert)
//   test/chan/select5.go  recvOrder / sendOrder (Go's left-to-right evaluation of the case
//                         expressions; C++ leaves the order of function arguments unspecified)
//   test/chan/select8.go  `break` inside a select (a Go statement rule)
//   runtime/chan_test.go  TestNoShrinkStackWhileParking (see channel_goport_test.cpp)
#include <gtest/gtest.h>

#include <algorithm>
#include <any>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <latch>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/channel.hpp>
#include <csp/select.hpp>

#include "channel_impls.hpp"
#include "heap_accounting.hpp"
#include "sanitizer.hpp"

namespace {

using namespace std::chrono_literals;
using csp::status;
using csp_test::sanitized;

// Long enough never to expire on a loaded 2-core machine under TSan; a hang fails via CTest.
constexpr auto generous = 60s;

// Iteration counts: `n` in an optimized build, n / 10 under a sanitizer (10-50x slower).
constexpr int scaled(int n) {
  return sanitized ? std::max(1, n / 10) : n;
}

template <class Family, class T>
using chan = typename Family::template channel<T>;

using csp_test::other;  // the other implementation family (channel_impls.hpp)

// Makes it likely (not certain) that a thread that just passed a latch has gone on to block
// before we act (Go's `time.Sleep(time.Millisecond)`); every test holds in either order.
void let_it_block() {
  for (int i = 0; i < 2000; ++i) std::this_thread::yield();
}

// A handler that must not run: it counts the runs, the test expects none.
struct never {
  int* runs;
  template <class... A>
  void operator()(A&&...) const {
    ++*runs;
  }
};

template <class Family>
class SelectGoPort : public ::testing::Test {};
TYPED_TEST_SUITE(SelectGoPort, csp_test::channel_impls<::testing::Types>);

// ---------------------------------------------------------------------------------------------
// src/runtime/chan_test.go

// Go's `go func() { ... }()` once per round, when starting a thread would cost more than the
// rest of the round: one thread takes the rounds from a channel (the hand-off happens-before
// what it does with them, as `go` does) and reports f(round) for each.
template <class Family, class Round>
class round_worker {
 public:
  template <class F>
  explicit round_worker(F f)
      : thread_([this, f] {
          for (const Round& r : rounds_) done_.send(f(r));
        }) {}
  round_worker(const round_worker&) = delete;
  round_worker& operator=(const round_worker&) = delete;
  ~round_worker() {
    rounds_.close();
    thread_.join();
  }

  void start(const Round& r) { rounds_.send(r); }
  bool result() { return done_.recv().value_or(false); }

 private:
  chan<Family, Round> rounds_;
  chan<Family, bool> done_{1};
  std::thread thread_;
};

// runtime/chan_test.go TestNonblockRecvRace: a select with a receive case and a default,
// racing with close() and a blocking receive on a channel that holds a value, never takes the
// default: the channel is ready throughout (a value, then closed). Go's 10000 rounds (1000
// under a sanitizer), on a round_worker.
TYPED_TEST(SelectGoPort, RuntimeNonblockRecvRace) {
  using ch_t = chan<TypeParam, int>;
  const int n = scaled(10000);
  round_worker<TypeParam, ch_t> worker([](const ch_t& c) {
    bool defaulted = false;
    (void)csp::select(csp::on_recv(c), csp::on_default([&] { defaulted = true; }));
    return !defaulted;
  });
  int not_ready = 0;
  for (int i = 0; i < n; ++i) {
    const ch_t c(1);
    c.send(1);
    worker.start(c);
    c.close();
    (void)c.recv();
    if (!worker.result()) ++not_ready;
  }
  EXPECT_EQ(not_ready, 0) << "a non-blocking select found a ready channel not ready";
}

// The worker of TestNonblockSelectRace{,2}: a non-blocking select receiving from both channels
// of a round; true unless it took the default.
template <class Family>
bool nonblock_select(const std::pair<chan<Family, int>, chan<Family, int>>& round) {
  bool defaulted = false;
  (void)csp::select(csp::on_recv(round.first), csp::on_recv(round.second),
                    csp::on_default([&] { defaulted = true; }));
  return !defaulted;
}
template <class Family>
using pair_worker = round_worker<Family, std::pair<chan<Family, int>, chan<Family, int>>>;

// runtime/chan_test.go TestNonblockSelectRace: a select acts on the state of its channels at
// one moment, not over a smeared window. c1 holds a value when the worker's non-blocking
// select (receive c1, receive c2, default) starts; meanwhile c2 receives a value and then c1 is
// drained if still possible — at every moment one of them is ready, so the select must never
// take the default. Go runs 100000 rounds; this 20000 (2000 under a sanitizer), on a
// round_worker.
TYPED_TEST(SelectGoPort, RuntimeNonblockSelectRace) {
  const int n = scaled(20000);
  pair_worker<TypeParam> worker(nonblock_select<TypeParam>);
  int defaults = 0;
  for (int i = 0; i < n; ++i) {
    const chan<TypeParam, int> c1(1);
    const chan<TypeParam, int> c2(1);
    c1.send(1);
    worker.start({c1, c2});
    c2.send(1);
    (void)csp::select(csp::on_recv(c1), csp::on_default([] {}));
    if (!worker.result()) ++defaults;
  }
  EXPECT_EQ(defaults, 0) << "a non-blocking select took the default while a channel was ready, "
                         << defaults << " times in " << n << " rounds";
}

// runtime/chan_test.go TestNonblockSelectRace2: the same, with close(c2) (c2 unbuffered) in
// place of c2 <- 1: a closed channel is ready for receiving.
TYPED_TEST(SelectGoPort, RuntimeNonblockSelectRace2) {
  const int n = scaled(20000);
  pair_worker<TypeParam> worker(nonblock_select<TypeParam>);
  int defaults = 0;
  for (int i = 0; i < n; ++i) {
    const chan<TypeParam, int> c1(1);
    const chan<TypeParam, int> c2;
    c1.send(1);
    worker.start({c1, c2});
    c2.close();
    (void)csp::select(csp::on_recv(c1), csp::on_default([] {}));
    if (!worker.result()) ++defaults;
  }
  EXPECT_EQ(defaults, 0) << "a non-blocking select took the default while a channel was ready, "
                         << defaults << " times in " << n << " rounds";
}

// runtime/chan_test.go TestSelfSelect: two threads each select, 1000 times, between sending on
// and receiving from one channel (thread 1 alternates the order of the cases); nothing crashes
// or deadlocks, and on the unbuffered channel a select never receives its own value. Capacities
// 0 and 10, as Go. Beyond Go: every value sent is received (or still buffered at the end).
TYPED_TEST(SelectGoPort, RuntimeSelfSelect) {
  constexpr int n = 1000;
  for (const std::size_t cap : {0u, 10u}) {
    SCOPED_TRACE(testing::Message() << "capacity " << cap);
    const chan<TypeParam, int> c(cap);
    std::array<int, 2> sent{};
    std::array<int, 2> received{};
    std::array<int, 2> self{};
    std::vector<std::thread> threads;
    for (int p = 0; p < 2; ++p) {
      threads.emplace_back([&, p] {
        const auto me = static_cast<std::size_t>(p);
        const auto got = [&](std::optional<int> v) {
          ++received[me];
          if (v == p) ++self[me];
        };
        const auto put = [&] { ++sent[me]; };
        for (int i = 0; i < n; ++i) {
          if (p == 0 || i % 2 == 0) {
            (void)csp::select(csp::on_send(c, p, put), csp::on_recv(c, got));
          } else {
            (void)csp::select(csp::on_recv(c, got), csp::on_send(c, p, put));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    if (cap == 0) {
      EXPECT_EQ(self[0] + self[1], 0) << "self receive";
      EXPECT_EQ(sent[0], received[1]);
      EXPECT_EQ(sent[1], received[0]);
    }
    EXPECT_EQ(sent[0] + sent[1], received[0] + received[1] + static_cast<int>(c.size()));
  }
}

// Go's `c1[k] = nil` in a loop of selects: the channels a select still uses, each replaced by
// a private channel nobody uses once the select is done with it.
template <class Family>
using four = std::array<chan<Family, int>, 4>;

// runtime/chan_test.go TestSelectStress: four channels (capacities 0, 0, 2, 3); on each, one
// thread sends N values and one receives N; one more thread sends N values on each of the four
// in a single select (Go's case order 3, 2, 0, 1), and one receives N from each in a single
// select, dropping a channel from its select (Go: setting it to nil) once it has had its N.
// Everything interacts; nothing deadlocks. Beyond Go: each channel carries exactly the values
// sent on it (plain senders send 1, the select sender 2: every channel's receivers sum to 3N).
// Go's N is 10^5 (10^4 with -short); this 10^4 (10^3 under a sanitizer).
TYPED_TEST(SelectGoPort, RuntimeSelectStress) {
  const int n = scaled(10000);
  using ch_t = chan<TypeParam, int>;
  const four<TypeParam> c = {ch_t(0), ch_t(0), ch_t(2), ch_t(3)};
  std::array<std::atomic<long>, 4> sum{};
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < n; ++i) c[k].send(1);
    });
    threads.emplace_back([&, k] {
      for (int i = 0; i < n; ++i) sum[k] += c[k].recv().value_or(-1000000);
    });
  }
  threads.emplace_back([&] {  // sends N on each, in one select
    four<TypeParam> c1 = c;
    const ch_t nil;
    std::array<int, 4> count{};
    for (int i = 0; i < 4 * n; ++i) {
      const std::size_t k = csp::select(csp::on_send(c1[3], 2), csp::on_send(c1[2], 2),
                                        csp::on_send(c1[0], 2), csp::on_send(c1[1], 2));
      const std::size_t ch = std::array<std::size_t, 4>{3, 2, 0, 1}[k];
      if (++count[ch] == n) c1[ch] = nil;
    }
  });
  threads.emplace_back([&] {  // receives N from each, in one select
    four<TypeParam> c1 = c;
    const ch_t nil;
    std::array<int, 4> count{};
    for (int i = 0; i < 4 * n; ++i) {
      int v = -1000000;
      const auto take = [&](std::optional<int> got) { v = got.value_or(-1000000); };
      const std::size_t k = csp::select(csp::on_recv(c1[0], take), csp::on_recv(c1[1], take),
                                        csp::on_recv(c1[2], take), csp::on_recv(c1[3], take));
      sum[k] += v;
      if (++count[k] == n) c1[k] = nil;
    }
  });
  for (auto& t : threads) t.join();
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(sum[k].load(), 3L * n) << "channel " << k;
    EXPECT_EQ(c[k].size(), 0U) << "channel " << k;
  }
}

// The largest deviation of a Binomial(trials, p) count from its mean that the fairness tests
// accept: 5 * sqrt(trials). Hoeffding's inequality bounds the chance that a fair select
// deviates further, for any p: P(|X - trials * p| >= t) <= 2 exp(-2 t^2 / trials) = 2 e^-50
// < 4e-22 per count checked. That is 10 standard deviations for p = 1/2 (Go's bound) and
// 11.5 for p = 1/4; a select that favours one case by a fifth or more still fails.
double fairness_tolerance(int trials) {
  return 5.0 * std::sqrt(static_cast<double>(trials));
}

// runtime/chan_test.go TestSelectFairness: a thread selects over two idle unbuffered channels
// and two buffered channels that always hold a value (1s in c1, 2s in c2), and forwards what it
// got; over 10000 trials c1 and c2 are each chosen about half the time. Bound: see
// fairness_tolerance — false-failure probability below 4e-22 (Go: 10 sigma, the same).
TYPED_TEST(SelectGoPort, RuntimeSelectFairness) {
  constexpr int trials = 10000;
  using byte_chan = chan<TypeParam, unsigned char>;
  const byte_chan c1(trials + 1);
  const byte_chan c2(trials + 1);
  constexpr unsigned char one = 1;
  constexpr unsigned char two = 2;
  for (int i = 0; i < trials + 1; ++i) {
    c1.send(one);
    c2.send(two);
  }
  const byte_chan c3;
  const byte_chan c4;
  const byte_chan out;
  const chan<TypeParam, bool> done;
  std::thread g([&] {
    for (;;) {
      unsigned char b = 0;
      const auto take = [&](std::optional<unsigned char> v) { b = v.value_or(0); };
      (void)csp::select(csp::on_recv(c3, take), csp::on_recv(c4, take), csp::on_recv(c1, take),
                        csp::on_recv(c2, take));
      bool stop = false;
      (void)csp::select(csp::on_send(out, b), csp::on_recv(done, [&] { stop = true; }));
      if (stop) return;
    }
  });
  int cnt1 = 0;
  int cnt2 = 0;
  int other = 0;
  for (int i = 0; i < trials; ++i) {
    switch (out.recv().value_or(0)) {
      case 1: ++cnt1; break;
      case 2: ++cnt2; break;
      default: ++other; break;
    }
  }
  done.close();
  g.join();
  EXPECT_EQ(other, 0) << "unexpected values on channel";
  const double tol = fairness_tolerance(trials);
  EXPECT_LE(std::abs(cnt1 - trials / 2), tol) << "c1 chosen " << cnt1 << " times of " << trials;
  EXPECT_LE(std::abs(cnt2 - trials / 2), tol) << "c2 chosen " << cnt2 << " times of " << trials;
}

// TestSelectFairness widened (not in Go): four cases ready at once — receives on both kinds of
// buffered channel, a send, a closed channel (mixing both implementations) — each chosen about
// a quarter of the time. Bound: see fairness_tolerance, with a union bound over the four
// counts: false-failure probability below 2e-21.
TYPED_TEST(SelectGoPort, SelectFairnessAmongFourReadyCases) {
  constexpr int trials = 10000;
  const chan<TypeParam, int> a(1);
  const chan<other<TypeParam>, int> b(1);
  const chan<TypeParam, int> room(1);
  const chan<other<TypeParam>, int> closed;
  closed.close();
  a.send(0);
  b.send(0);
  std::array<int, 4> count{};
  for (int t = 0; t < trials; ++t) {
    const std::size_t k =
        csp::select(csp::on_recv(a), csp::on_recv(b), csp::on_send(room, 0), csp::on_recv(closed));
    ++count[k];
    if (k == 0) a.send(0);
    if (k == 1) b.send(0);
    if (k == 2) (void)room.recv();
  }
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_LE(std::abs(count[k] - trials / 4), fairness_tolerance(trials))
        << "case " << k << " chosen " << count[k] << " times of " << trials;
  }
}

// runtime/chan_test.go TestPseudoRandomSend: a select with two send cases on one channel
// (values 1 and 0), 100 times, to a receiver that yields before each receive; both values are
// sent more than a tenth of the time. Capacities 0 and 100. False failure: both cases ready
// whenever the select runs, each count is Binomial(100, 1/2); P(count <= 10) < 2e-17.
TYPED_TEST(SelectGoPort, RuntimePseudoRandomSend) {
  constexpr int n = 100;
  for (const std::size_t cap : {std::size_t{0}, std::size_t{n}}) {
    const chan<TypeParam, int> c(cap);
    std::vector<int> l(n, -1);
    std::thread receiver([&] {
      for (std::size_t i = 0; i < l.size(); ++i) {
        std::this_thread::yield();
        l[i] = c.recv().value_or(-1);
      }
    });
    for (int i = 0; i < n; ++i) (void)csp::select(csp::on_send(c, 1), csp::on_send(c, 0));
    receiver.join();
    const auto n0 = std::count(l.begin(), l.end(), 0);
    const auto n1 = std::count(l.begin(), l.end(), 1);
    EXPECT_EQ(n0 + n1, n);
    EXPECT_GT(n0, n / 10) << "want pseudorandom, got " << n0 << " zeros and " << n1
                          << " ones (chan cap " << cap << ")";
    EXPECT_GT(n1, n / 10) << "want pseudorandom, got " << n0 << " zeros and " << n1
                          << " ones (chan cap " << cap << ")";
  }
}

// runtime/chan_test.go TestChanSendInterface, its select half: on a full channel of interface
// values (std::any), a select with two send cases and a default takes the default.
TYPED_TEST(SelectGoPort, RuntimeChanSendInterface) {
  struct mt {};
  mt m;
  mt m2;
  const chan<TypeParam, std::any> c(1);
  c.send(&m);
  EXPECT_EQ(csp::select(csp::on_send(c, &m), csp::on_default([] {})), 1U);
  EXPECT_EQ(csp::select(csp::on_send(c, &m), csp::on_send(c, &m2), csp::on_default([] {})), 2U);
  EXPECT_EQ(std::any_cast<mt*>(c.recv().value()), &m);
}

// runtime/chan_test.go TestSelectDuplicateChannel: a select may wait on one channel twice.
// A selects on <-c, <-c, <-d; B waits in a plain <-c behind it; d <- 7 wakes A, which
// withdraws from c twice (this used to corrupt c's receive queue in Go); then c <- 8 must reach
// B. Go sleeps so that A queues on c before B; here that is likely, and the test holds either
// way (nobody sends on c before A is done).
TYPED_TEST(SelectGoPort, RuntimeSelectDuplicateChannel) {
  using ch_t = chan<TypeParam, int>;
  const ch_t c;
  const ch_t d;
  const ch_t e;
  std::latch a_started(1);
  std::optional<int> a_got;
  std::size_t a_case = 9;
  std::thread a([&] {
    a_started.count_down();
    const auto take = [&](std::optional<int> v) { a_got = v; };
    a_case = csp::select(csp::on_recv(c, take), csp::on_recv(c, take), csp::on_recv(d, take));
    e.send(9);
  });
  a_started.wait();
  let_it_block();
  std::latch b_started(1);
  std::optional<int> b_got;
  std::thread b([&] {
    b_started.count_down();
    b_got = c.recv();
  });
  b_started.wait();
  let_it_block();
  d.send(7);
  EXPECT_EQ(e.recv(), 9);
  EXPECT_EQ(c.try_send_for(8, generous), status::ok) << "c's queue lost B";
  a.join();
  b.join();
  EXPECT_EQ(a_case, 2U);
  EXPECT_EQ(a_got, 7);
  EXPECT_EQ(b_got, 8);
}

// Uses stack briefly, and checks nobody wrote into it meanwhile (see channel_goport_test.cpp).
int stack_growth(int depth) {
  std::array<volatile unsigned char, 512> frame{};
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<unsigned char>(i + 1);
  const int deeper = depth > 0 ? stack_growth(depth - 1) : 0;
  int corrupt = 0;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    if (frame[i] != static_cast<unsigned char>(i + 1)) ++corrupt;
  }
  return deeper + corrupt;
}

// runtime/chan_test.go TestSelectStackAdjust: two threads, having used a lot of stack, block in
// a select of <-c, <-c2, <-d, <-d2 (c2 = c and d2 = d for one of them, nil for the other); the
// receive case on c would store into a local. close(d) wakes both through a d case; the c
// handlers never run, the local is untouched, and the stack below stays intact once the select
// is done with it. (Go checks that stack shrinking adjusts the pointers into it; C++ stacks do
// not move, so what is left is that the select's waiters do not outlive it.)
TYPED_TEST(SelectGoPort, RuntimeSelectStackAdjust) {
  using ch_t = chan<TypeParam, int*>;
  const ch_t c;
  const ch_t d;
  std::latch ready(2);
  std::array<int, 2> problems{};
  const auto f = [&](std::size_t me, bool dup) {
    (void)stack_growth(20);
    int val = 42;
    int* cx = &val;
    const ch_t nil;
    const ch_t& c2 = dup ? c : nil;
    const ch_t& d2 = dup ? d : nil;
    ready.count_down();
    bool woke_by_d = false;
    const auto on_d = [&](std::optional<int*> v) { woke_by_d = !v.has_value(); };
    (void)csp::select(csp::on_recv(c, [&](std::optional<int*> v) { cx = v.value_or(nullptr); }),
                      csp::on_recv(c2, [&](std::optional<int*>) { ++problems[me]; }),
                      csp::on_recv(d, on_d), csp::on_recv(d2, on_d));
    if (!woke_by_d) ++problems[me];
    if (cx != &val || val != 42) ++problems[me];
    problems[me] += stack_growth(20);
  };
  std::thread t1(f, 0U, false);
  std::thread t2(f, 1U, true);
  ready.wait();
  let_it_block();
  d.close();
  t1.join();
  t2.join();
  EXPECT_EQ(problems[0], 0);
  EXPECT_EQ(problems[1], 0);
}

// ---------------------------------------------------------------------------------------------
// test/chan/select.go

// test/chan/select.go: a loop of non-blocking selects with two send cases on buffered channels
// of capacity 1, each case set to nil once chosen, sends once on each, then takes the default.
// Every case's value expression is evaluated on every round, chosen or not, nil or not (Go
// counts the calls: 10); the values sent are 1 << round.
TYPED_TEST(SelectGoPort, Select) {
  using ch_t = chan<TypeParam, unsigned>;
  unsigned counter = 0;
  unsigned shift = 0;
  const auto get_value = [&] {
    ++counter;
    return 1U << shift;
  };
  const auto send = [&](ch_t a, ch_t b) {
    const ch_t nil;
    int i = 0;
    for (;;) {
      const std::size_t k = csp::select(csp::on_send(a, get_value()), csp::on_send(b, get_value()),
                                        csp::on_default([] {}));
      if (k == 2) break;
      ++i;
      (k == 0 ? a : b) = nil;
      ++shift;
    }
    return i;
  };
  const ch_t a(1);
  const ch_t b(1);
  EXPECT_EQ(send(a, b), 2);
  const unsigned av = a.recv().value_or(0);
  const unsigned bv = b.recv().value_or(0);
  EXPECT_EQ(av | bv, 3U) << "bad values " << av << " " << bv;
  EXPECT_EQ(send(a, ch_t()), 1);
  EXPECT_EQ(counter, 10U);
}

// ---------------------------------------------------------------------------------------------
// test/chan/select2.go

// test/chan/select2.go: selects do not consume undue memory. 100000 selects (a receive case on
// an unbuffered channel fed by a sender thread, and one on an idle channel) after a warm-up of
// as many; the heap may grow by at most Go's 1.1e5 bytes. Here 20000 after 20000, with Go's
// bound scaled with them (22000 bytes: a leak of anything per select exceeds it). Under a
// sanitizer the selects run, unmeasured (LeakSanitizer checks for leaks in the ASan lane).
TYPED_TEST(SelectGoPort, Select2NoUndueMemory) {
  constexpr int n = 20000;
  const chan<TypeParam, int> c;
  const chan<TypeParam, int> dummy;
  int dummy_runs = 0;
  const auto round = [&] {
    std::thread sender([&] {
      for (int i = 0; i < n; ++i) c.send(1);
    });
    for (int i = 0; i < n; ++i) {
      (void)csp::select(csp::on_recv(c), csp::on_recv(dummy, never{&dummy_runs}));
    }
    sender.join();
  };
  round();  // warm up
  const std::int64_t before = csp_test::heap::live_bytes.load();
  round();  // a second time should not increase the footprint by much
  const std::int64_t grown = csp_test::heap::live_bytes.load() - before;
  EXPECT_EQ(dummy_runs, 0);
  if (!csp_test::heap::counted) GTEST_SKIP() << "no heap accounting under a sanitizer";
  EXPECT_LE(grown, static_cast<std::int64_t>(1.1 * n))
      << "too much memory for " << n << " selects: " << grown << " bytes";
}

// ---------------------------------------------------------------------------------------------
// test/chan/select3.go

enum class blocks { always, never };

// select3.go testBlock: runs f on a thread and checks that it always / never blocks. `never`:
// f returns (within a generous bound). `always`: f has not returned after 100 ms (Go's 0.1 s)
// — it cannot, nothing can make it proceed — then `release()` unblocks it (closes the channel
// it waits on) so the thread can be joined; f may throw closed_channel_error then, or its
// select take a receive case with nullopt: such cases carry no `unreachable` handler.
template <class F, class R>
void test_block(blocks expect, F f, R release, const char* what) {
  SCOPED_TRACE(what);
  std::promise<void> returned;
  std::future<void> ret = returned.get_future();
  std::thread t([&] {
    try {
      f();
    } catch (const csp::closed_channel_error&) {
    }
    returned.set_value();
  });
  if (expect == blocks::never) {
    EXPECT_EQ(ret.wait_for(generous), std::future_status::ready) << "blocked";
  } else {
    EXPECT_EQ(ret.wait_for(100ms), std::future_status::timeout) << "did not block";
  }
  release();
  t.join();
}

template <class F>
void test_block(blocks expect, F f, const char* what) {
  test_block(
      expect, f, [] {}, what);
}

// test/chan/select3.go: what blocks and what does not, in and out of a select: a nil channel
// blocks and is never selected; a send with room and a receive from a closed channel do not
// block; a send on a closed channel panics (throws), also as a select case; a receive with
// nothing to receive blocks; selects with only nil or non-ready channels block; a default
// never blocks; ready and closed cases are taken; a select that sends and receives on one
// unbuffered channel does not meet itself (blocks).
TYPED_TEST(SelectGoPort, Select3) {
  using ch_t = chan<TypeParam, int>;
  static constexpr int async = 1;  // static: usable in the capture-less lambdas below
  const ch_t closedch;
  closedch.close();
  int unreachable = 0;
  const never fail{&unreachable};

  {
    const ch_t nilch;
    test_block(
        blocks::always, [&] { nilch.send(7); }, [&] { nilch.close(); }, "nil send");
  }
  {
    const ch_t nilch;
    test_block(
        blocks::always, [&] { (void)nilch.recv(); }, [&] { nilch.close(); }, "nil recv");
  }
  {  // a nil channel inside a select is never selected
    const ch_t nilch;
    EXPECT_EQ(csp::select(csp::on_send(nilch, 7, fail), csp::on_default([] {})), 1U);
    EXPECT_EQ(csp::select(csp::on_recv(nilch, fail), csp::on_default([] {})), 1U);
  }
  test_block(
      blocks::never,
      [] {
        const ch_t ch(async);
        ch.send(7);
      },
      "send with free buffer space");
  test_block(
      blocks::never,
      [&] {
        for (int i = 0; i < 10; ++i) {
          EXPECT_EQ(closedch.recv(), std::nullopt);
          std::optional<int> got = 0;
          EXPECT_EQ(csp::select(csp::on_recv(closedch, [&](std::optional<int> v) { got = v; })),
                    0U);
          EXPECT_EQ(got, std::nullopt);
        }
      },
      "receive from a closed channel");
  EXPECT_THROW(closedch.send(7), csp::closed_channel_error);
  {
    const ch_t ch;
    test_block(
        blocks::always, [&] { (void)ch.recv(); }, [&] { ch.close(); }, "receive, not ready");
  }
  // The empty select: not expressible (csp::select needs at least one case).
  {
    const ch_t nilch;
    test_block(
        blocks::always, [&] { (void)csp::select(csp::on_recv(nilch)); }, [&] { nilch.close(); },
        "select, nil receive only");
  }
  {
    const ch_t nilch;
    test_block(
        blocks::always, [&] { (void)csp::select(csp::on_send(nilch, 7)); }, [&] { nilch.close(); },
        "select, nil send only");
  }
  {
    const ch_t nilch;
    test_block(
        blocks::always, [&] { (void)csp::select(csp::on_recv(nilch), csp::on_send(nilch, 7)); },
        [&] { nilch.close(); }, "select, nil receive and send");
  }
  {
    const ch_t ch;
    test_block(
        blocks::always, [&] { (void)csp::select(csp::on_recv(ch)); }, [&] { ch.close(); },
        "select, non-ready receive");
  }
  test_block(
      blocks::never, [] { EXPECT_EQ(csp::select(csp::on_default([] {})), 0U); },
      "select, default only");
  {
    const ch_t nilch;
    test_block(
        blocks::never,
        [&] { EXPECT_EQ(csp::select(csp::on_recv(nilch, fail), csp::on_default([] {})), 1U); },
        "select, nil receive and default");
    test_block(
        blocks::never,
        [&] { EXPECT_EQ(csp::select(csp::on_send(nilch, 7, fail), csp::on_default([] {})), 1U); },
        "select, nil send and default");
  }
  test_block(
      blocks::never,
      [&] {
        const ch_t ch(async);
        EXPECT_EQ(csp::select(csp::on_send(ch, 7), csp::on_default(fail)), 0U);
      },
      "select, ready send");
  test_block(
      blocks::never,
      [&] {
        const ch_t ch(async);
        ch.send(7);
        EXPECT_EQ(csp::select(csp::on_recv(ch), csp::on_default(fail)), 0U);
      },
      "select, ready receive");
  test_block(
      blocks::never, [&] { EXPECT_EQ(csp::select(csp::on_recv(closedch)), 0U); },
      "select, closed receive");
  EXPECT_THROW((void)csp::select(csp::on_send(closedch, 7)), csp::closed_channel_error);
  {  // select should not get confused if it sees itself
    const ch_t c;
    test_block(
        blocks::always, [&] { (void)csp::select(csp::on_send(c, 1), csp::on_recv(c)); },
        [&] { c.close(); }, "select sending and receiving on one unbuffered channel");
  }
  EXPECT_EQ(unreachable, 0) << "control flow shouldn't reach here";
}

// ---------------------------------------------------------------------------------------------
// test/chan/select4.go

// test/chan/select4.go: a receive case that is not chosen does not run (Go: does not even
// evaluate its left-hand side); the chosen one stores the value.
TYPED_TEST(SelectGoPort, Select4) {
  const chan<TypeParam, int> c(1);
  const chan<TypeParam, int> c1;
  c.send(42);
  int f_calls = 0;
  int a = 0;
  EXPECT_EQ(csp::select(csp::on_recv(c1, never{&f_calls}),
                        csp::on_recv(c, [&](std::optional<int> v) { a = v.value_or(-1); })),
            1U);
  EXPECT_EQ(f_calls, 0) << "called f";
  EXPECT_EQ(a, 42);
}

// ---------------------------------------------------------------------------------------------
// test/chan/select5.go

// select5.go generates every select it can phrase around one real operation on a buffered
// channel c (capacity 1, single thread): maybe a default before or after the real case (which
// must not run: the real case is ready), maybe a send and a receive case on an idle `dummy`,
// maybe a send and a receive case on a nil channel; then checks that the real operation and
// nothing else happened. Here the combinations are enumerated at compile time (Bits: bit 0
// dummy send, bit 1 dummy receive, bit 2 nil send and receive; Default: 0 none, 1 before, 2
// after); the nil channel is of the other implementation, so half of them mix both.
template <bool On, class Case>
auto maybe_case(Case&& c) {
  if constexpr (On) {
    return std::tuple<std::remove_cvref_t<Case>>(std::forward<Case>(c));
  } else {
    return std::tuple<>{};
  }
}

template <class Tuple>
std::size_t select_tuple(Tuple&& cases) {
  return std::apply([](auto&&... c) { return csp::select(std::move(c)...); },
                    std::forward<Tuple>(cases));
}

template <class Family>
struct select5_world {
  chan<Family, int> c{1};
  chan<Family, int> dummy;
  chan<other<Family>, int> nilch;
  int n = 1;
  int x = 0;
  int one = 1;
  int wrong = 0;  // handlers and defaults that ran and must not have
  int cases = 0;

  // One of the 64 selects: it returned index `k`, and `want` was its real case's (or the
  // default's). Not a template, so that its checks are compiled once rather than per select.
  void check(const char* what, unsigned bits, int def, std::size_t k, std::size_t want) {
    EXPECT_EQ(k, want) << what << " bits " << bits << " default " << def;
    EXPECT_EQ(x, n) << what << " bits " << bits << " default " << def;
    ++n;
    ++cases;
  }

  // The cases that must never be chosen, as Bits says.
  template <unsigned Bits>
  auto noise() {
    return std::tuple_cat(maybe_case<(Bits & 1U) != 0>(csp::on_send(dummy, one, never{&wrong})),
                          maybe_case<(Bits & 2U) != 0>(csp::on_recv(dummy, never{&wrong})),
                          maybe_case<(Bits & 4U) != 0>(csp::on_send(nilch, one, never{&wrong})),
                          maybe_case<(Bits & 4U) != 0>(csp::on_recv(nilch, never{&wrong})));
  }

  // select5.go `recv`: c <- n, then a select receives it into x.
  template <unsigned Bits, int Default>
  void recv() {
    c.send(n);
    auto real = csp::on_recv(c, [&](std::optional<int> v) { x = v.value_or(-1); });
    const std::size_t k = select_tuple(std::tuple_cat(
        maybe_case<Default == 1>(csp::on_default(never{&wrong})), std::tuple(std::move(real)),
        maybe_case<Default == 2>(csp::on_default(never{&wrong})), noise<Bits>()));
    check("recv", Bits, Default, k, Default == 1 ? 1U : 0U);
  }

  // select5.go `send`: a select sends n on c, then x = <-c.
  template <unsigned Bits, int Default>
  void send() {
    const std::size_t k = select_tuple(std::tuple_cat(
        maybe_case<Default == 1>(csp::on_default(never{&wrong})), std::tuple(csp::on_send(c, n)),
        maybe_case<Default == 2>(csp::on_default(never{&wrong})), noise<Bits>()));
    x = c.recv().value_or(-1);
    check("send", Bits, Default, k, Default == 1 ? 1U : 0U);
  }

  // select5.go `nonblock`: only never-ready cases and a default (before or after them): the
  // default runs and x is not written.
  template <unsigned Bits, int Default>
  void nonblock() {
    x = n;
    bool defaulted = false;
    const auto def = [&] { defaulted = true; };
    auto cases_ = std::tuple_cat(maybe_case<Default == 1>(csp::on_default(def)), noise<Bits>(),
                                 maybe_case<Default == 2>(csp::on_default(def)));
    constexpr std::size_t size = std::tuple_size_v<decltype(cases_)>;
    const std::size_t k = select_tuple(std::move(cases_));
    EXPECT_TRUE(defaulted) << "nonblock bits " << Bits;
    check("nonblock", Bits, Default, k, Default == 1 ? 0U : size - 1);
  }
};

template <class World, unsigned... Bits>
void select5_all(World& w, std::integer_sequence<unsigned, Bits...>) {
  (w.template recv<Bits, 0>(), ...);
  (w.template recv<Bits, 1>(), ...);
  (w.template recv<Bits, 2>(), ...);
  (w.template send<Bits, 0>(), ...);
  (w.template send<Bits, 1>(), ...);
  (w.template send<Bits, 2>(), ...);
  (w.template nonblock<Bits, 1>(), ...);
  (w.template nonblock<Bits, 2>(), ...);
}

// test/chan/select5.go (its recv, send and nonblock templates): 64 selects, each with one
// ready case or only a default to take, among never-ready noise.
TYPED_TEST(SelectGoPort, Select5) {
  select5_world<TypeParam> w;
  select5_all(w, std::make_integer_sequence<unsigned, 8>{});
  EXPECT_EQ(w.cases, 64);
  EXPECT_EQ(w.wrong, 0) << "a case or default ran that must not have";
  EXPECT_EQ(w.c.size(), 0U);
  EXPECT_EQ(w.dummy.size(), 0U);
}

// ---------------------------------------------------------------------------------------------
// test/chan/select6.go

// test/chan/select6.go (Go issue 2075): a select that loses on a channel with other waiters
// must leave that channel's queue intact. G1 waits in <-c1; G2 selects on <-c1 / <-c2 and is
// woken by c2; then G2 waits in <-c1 too. Both sends on c1 must find a receiver.
TYPED_TEST(SelectGoPort, Select6) {
  using ch_t = chan<TypeParam, bool>;
  const ch_t c1;
  const ch_t c2;
  const ch_t c3;
  int dummy = 0;
  std::thread g1([&] { (void)c1.recv(); });
  std::thread g2([&] {
    (void)csp::select(csp::on_recv(c1, never{&dummy}),
                      csp::on_recv(c2, [&](std::optional<bool>) { c3.send(true); }));
    (void)c1.recv();
  });
  std::thread g3([&] { c2.send(true); });
  EXPECT_EQ(c3.recv(), true);
  EXPECT_EQ(c1.try_send_for(true, generous), status::ok);
  EXPECT_EQ(c1.try_send_for(true, generous), status::ok);
  g1.join();
  g2.join();
  g3.join();
  EXPECT_EQ(dummy, 0);
}

// ---------------------------------------------------------------------------------------------
// test/chan/select7.go

// test/chan/select7.go: a value sent on an unbuffered channel reaches a receiver that discards
// it, for each of three receive forms (plain, a one-case select, a two-case select with an
// idle channel) against each of three send forms (the same), the receiver started first.
TYPED_TEST(SelectGoPort, Select7) {
  using ch_t = chan<TypeParam, int>;
  using recv_form = std::function<std::optional<int>(const ch_t&)>;
  using send_form = std::function<void(const ch_t&)>;
  const std::array<recv_form, 3> recvs = {
      [](const ch_t& c) { return c.recv(); },
      [](const ch_t& c) {
        std::optional<int> got;
        (void)csp::select(csp::on_recv(c, [&](std::optional<int> v) { got = v; }));
        return got;
      },
      [](const ch_t& c) {
        const ch_t c2;
        std::optional<int> got;
        (void)csp::select(csp::on_recv(c, [&](std::optional<int> v) { got = v; }),
                          csp::on_recv(c2));
        return got;
      }};
  const std::array<send_form, 3> sends = {
      [](const ch_t& c) { c.send(1); },
      [](const ch_t& c) { EXPECT_EQ(csp::select(csp::on_send(c, 1)), 0U); },
      [](const ch_t& c) {
        const ch_t c2;
        EXPECT_EQ(csp::select(csp::on_send(c, 1), csp::on_send(c2, 1)), 0U);
      }};
  for (std::size_t s = 0; s < sends.size(); ++s) {
    for (std::size_t r = 0; r < recvs.size(); ++r) {
      const ch_t c;
      std::optional<int> got;
      std::thread receiver([&] { got = recvs[r](c); });
      std::this_thread::yield();  // Go's runtime.Gosched()
      sends[s](c);
      receiver.join();
      EXPECT_EQ(got, 1) << "send" << s + 1 << "(recv" << r + 1 << ")";
    }
  }
}

// ---------------------------------------------------------------------------------------------
// test/chan/doubleselect.go

// test/chan/doubleselect.go: flushes out a select that runs two of its cases. Senders send a
// counter to one of four unbuffered channels in a select; a mux per channel forwards onto one
// common channel; the receiver must see every value exactly once (a select that ran two cases
// would send one value twice). Go has one sender and 100000 values; here two senders (values
// tagged with the sender) of 20000 each (2000 under a sanitizer). Go's sender closes only c1
// and c2 (an artifact of the old closed() API); here all four are closed when both senders are
// done, and the common channel when every mux is.
TYPED_TEST(SelectGoPort, DoubleSelect) {
  const int n = scaled(20000);
  constexpr int senders = 2;
  using ch_t = chan<TypeParam, int>;
  const four<TypeParam> c = {ch_t(), ch_t(), ch_t(), ch_t()};
  const ch_t cmux;
  std::vector<std::thread> sender_threads;
  for (int s = 0; s < senders; ++s) {
    sender_threads.emplace_back([&, s] {
      for (int i = 0; i < n; ++i) {
        const int v = s * n + i;
        (void)csp::select(csp::on_send(c[0], v), csp::on_send(c[1], v), csp::on_send(c[2], v),
                          csp::on_send(c[3], v));
      }
    });
  }
  std::vector<std::thread> muxes;
  for (std::size_t k = 0; k < c.size(); ++k) {
    muxes.emplace_back([&, k] {
      for (int v : c[k]) cmux.send(v);
    });
  }
  std::thread closer([&] {
    for (auto& t : sender_threads) t.join();
    for (const auto& ch : c) ch.close();
    for (auto& t : muxes) t.join();
    cmux.close();
  });
  std::vector<int> seen(static_cast<std::size_t>(senders * n), 0);
  int duplicates = 0;
  int malformed = 0;
  for (int v : cmux) {
    if (v < 0 || v >= senders * n) {
      ++malformed;
    } else if (seen[static_cast<std::size_t>(v)]++ != 0) {
      ++duplicates;
    }
  }
  closer.join();
  EXPECT_EQ(duplicates, 0) << "got duplicate values";
  EXPECT_EQ(malformed, 0);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 0), 0) << "values lost";
}

// ---------------------------------------------------------------------------------------------
// test/chan/nonblock.go

// One round of nonblock.go's main loop for one element type, its non-blocking operations
// written as Go writes them today, as selects with a default: a select receiving from a fresh
// channel takes the default; a select sending, retried, reaches a receiver thread; a select
// receiving, retried, takes a sender thread's value. Go sleeps between retries; this yields.
// The retries are bounded by a generous deadline, a hang guard only.
template <class Family, class T>
void nonblock_select_round(std::size_t buffer, const T& to_receiver, const T& from_sender) {
  SCOPED_TRACE(testing::Message() << "buffer=" << buffer);
  const chan<Family, T> c(buffer);
  const chan<Family, bool> sync;
  int unreachable = 0;
  EXPECT_EQ(csp::select(csp::on_recv(c, never{&unreachable}), csp::on_default([] {})), 1U)
      << "blocked sender";

  const auto until = std::chrono::steady_clock::now() + generous;
  std::thread receiver([&] {
    EXPECT_EQ(c.recv(), to_receiver);
    sync.send(true);
  });
  bool sent = false;
  while (!sent && std::chrono::steady_clock::now() < until) {
    (void)csp::select(csp::on_send(c, to_receiver, [&] { sent = true; }),
                      csp::on_default([] { std::this_thread::yield(); }));
  }
  EXPECT_TRUE(sent) << "receiver";
  EXPECT_EQ(sync.recv(), true);
  receiver.join();

  std::thread sender([&] {
    c.send(T(from_sender));
    sync.send(true);
  });
  if (buffer > 0) {
    EXPECT_EQ(sync.recv(), true);
  }
  std::optional<T> got;
  while (!got && std::chrono::steady_clock::now() < until) {
    (void)csp::select(csp::on_recv(c, [&](std::optional<T> v) { got = std::move(v); }),
                      csp::on_default([] { std::this_thread::yield(); }));
  }
  EXPECT_EQ(got, from_sender) << "sender";
  if (buffer == 0) {
    EXPECT_EQ(sync.recv(), true);
  }
  sender.join();
  EXPECT_EQ(unreachable, 0);
}

// test/chan/nonblock.go main: non-blocking send and receive through selects, "several sizes
// and types of operands" (int32, int64, bool, string), unbuffered and with a buffer of 1.
TYPED_TEST(SelectGoPort, Nonblock) {
  for (std::size_t buffer = 0; buffer < 2; ++buffer) {
    nonblock_select_round<TypeParam, std::int32_t>(buffer, 123, 234);
    nonblock_select_round<TypeParam, std::int64_t>(buffer, 123456, 234567);
    nonblock_select_round<TypeParam, bool>(buffer, true, true);
    nonblock_select_round<TypeParam, std::string>(buffer, "hello", "hello again");
  }
}

// nonblock.go's first check (a receive from an idle channel does not block), on closed
// channels (runtime/chan_test.go TestChan's closed-channel cases, as selects): a select with a
// default never takes the default over a closed channel — a receive case gets the buffered
// values, then nullopt; a send case throws and sends nothing.
TYPED_TEST(SelectGoPort, NonblockOnClosedChannels) {
  for (const std::size_t cap : {0u, 1u, 3u}) {
    SCOPED_TRACE(testing::Message() << "capacity " << cap);
    const chan<TypeParam, int> c(cap);
    for (std::size_t i = 0; i < cap; ++i) c.send(static_cast<int>(i));
    c.close();
    int defaults = 0;
    const auto def = [&] { ++defaults; };
    for (std::size_t i = 0; i <= cap + 2; ++i) {
      std::optional<int> got = -1;
      EXPECT_EQ(csp::select(csp::on_recv(c, [&](std::optional<int> v) { got = v; }),
                            csp::on_default(def)),
                0U);
      if (i < cap) {
        EXPECT_EQ(got, static_cast<int>(i));
      } else {
        EXPECT_EQ(got, std::nullopt);
      }
    }
    EXPECT_THROW((void)csp::select(csp::on_send(c, 9), csp::on_default(def)),
                 csp::closed_channel_error);
    EXPECT_EQ(defaults, 0);
    EXPECT_EQ(c.size(), 0U);
  }
}

}  // namespace
