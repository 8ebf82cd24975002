// Select conformance: API.md's select section, one typed body per behaviour, run over every
// implementation family in channel_impls.hpp (and, where a test says so, over a mix of both).
// Threads are ordered with latches and handshakes; where a test wants a select to be blocked
// before its partner arrives it only makes that likely (the partner yields a while first) and
// the test holds in either order. Timeouts are generous upper bounds, or short and expected to
// expire because nothing can arrive.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <csp/channel.hpp>
#include <csp/select.hpp>
#include <csp/time.hpp>

#include "channel_impls.hpp"
#include "sanitizer.hpp"
#include "thread_state.hpp"

namespace {

using namespace std::chrono_literals;
using csp::status;
using csp_test::sanitized;

constexpr auto generous = 60s;

template <class Family, class T>
using chan = typename Family::template channel<T>;

using csp_test::other;  // the other implementation family (channel_impls.hpp)

template <class Family>
class SelectTest : public ::testing::Test {};
TYPED_TEST_SUITE(SelectTest, csp_test::channel_impls<::testing::Types>);

// Makes it likely (not certain) that a thread that just passed a latch has gone on to block in
// its select before we act; every test holds in either order.
void let_it_block() {
  for (int i = 0; i < 2000; ++i) std::this_thread::yield();
}

// A value that records being moved from.
struct tracked {
  int v = 0;
  int moved_out = 0;  // how many times this object was moved from
  explicit tracked(int x) : v(x) {}
  tracked(const tracked&) = delete;
  tracked& operator=(const tracked&) = delete;
  tracked(tracked&& o) noexcept : v(o.v) {
    o.v = -1;
    ++o.moved_out;
  }
  tracked& operator=(tracked&& o) noexcept {
    v = o.v;
    o.v = -1;
    ++o.moved_out;
    return *this;
  }
  ~tracked() = default;
};

// A value whose move throws on the n-th move after arming (0 = never), and that counts the
// live objects: nothing lost or duplicated means `live` ends where it started.
struct fragile {
  static inline std::atomic<int> countdown{0};
  static inline std::atomic<int> live{0};
  int v = 0;
  explicit fragile(int x) : v(x) { ++live; }
  fragile(const fragile&) = delete;
  fragile& operator=(const fragile&) = delete;
  fragile(fragile&& o) : v(o.v) {
    if (countdown.load() > 0 && --countdown == 0) throw std::runtime_error("fragile move");
    ++live;
  }
  fragile& operator=(fragile&& o) {
    if (countdown.load() > 0 && --countdown == 0) throw std::runtime_error("fragile move");
    v = o.v;
    return *this;
  }
  ~fragile() { --live; }
};

// ------------------------------------------------------------------------- ready cases --

TYPED_TEST(SelectTest, AReadyReceiveIsChosen) {
  for (const std::size_t cap : {1u, 4u}) {
    const chan<TypeParam, int> idle;
    const chan<TypeParam, int> ready(cap);
    ready.send(7);
    std::optional<int> got;
    int idle_runs = 0;
    const std::size_t i = csp::select(csp::on_recv(idle, [&](std::optional<int>) { ++idle_runs; }),
                                      csp::on_recv(ready, [&](std::optional<int> v) { got = v; }));
    EXPECT_EQ(i, 1u);
    EXPECT_EQ(got, 7);
    EXPECT_EQ(idle_runs, 0);
    EXPECT_EQ(ready.size(), 0u);
  }
}

TYPED_TEST(SelectTest, AReadySendIsChosen) {
  const chan<TypeParam, int> full(1);
  full.send(1);
  const chan<TypeParam, int> room(2);
  bool ran = false;
  const std::size_t i =
      csp::select(csp::on_send(full, 2), csp::on_send(room, 3, [&] { ran = true; }));
  EXPECT_EQ(i, 1u);
  EXPECT_TRUE(ran);
  EXPECT_EQ(room.size(), 1u);
  EXPECT_EQ(room.recv(), 3);
  EXPECT_EQ(full.size(), 1u);
  EXPECT_EQ(full.recv(), 1);  // the losing send delivered nothing
}

TYPED_TEST(SelectTest, AReadyUnbufferedPartnerIsChosen) {
  // Unbuffered: a receive case is ready when a sender waits, a send case when a receiver does.
  const chan<TypeParam, int> ch;
  const chan<TypeParam, int> idle;
  std::thread sender([&] { ch.send(5); });
  std::optional<int> got;
  EXPECT_EQ(
      csp::select(csp::on_recv(idle), csp::on_recv(ch, [&](std::optional<int> v) { got = v; })),
      1u);
  EXPECT_EQ(got, 5);
  sender.join();

  std::thread receiver([&] { EXPECT_EQ(ch.recv(), 6); });
  EXPECT_EQ(csp::select(csp::on_send(idle, 0), csp::on_send(ch, 6)), 1u);
  receiver.join();
}

TYPED_TEST(SelectTest, ReturnsTheChosenCaseIndexInArgumentOrder) {
  // Four cases, one of them ready: select returns its position, wherever it is.
  for (std::size_t k = 0; k < 4; ++k) {
    std::array<chan<TypeParam, int>, 4> c = {chan<TypeParam, int>(1), chan<TypeParam, int>(1),
                                             chan<TypeParam, int>(1), chan<TypeParam, int>(1)};
    // Cases 0 and 2 receive, 1 and 3 send: make case k ready and the others not.
    c[1].send(0);  // full: its send case is not ready
    c[3].send(0);
    if (k == 0 || k == 2) {
      c[k].send(42);
    } else {
      (void)c[k].recv();
    }
    std::array<int, 4> ran{};
    const std::size_t i = csp::select(
        csp::on_recv(c[0], [&] { ++ran[0]; }), csp::on_send(c[1], 1, [&] { ++ran[1]; }),
        csp::on_recv(c[2], [&] { ++ran[2]; }), csp::on_send(c[3], 3, [&] { ++ran[3]; }));
    EXPECT_EQ(i, k);
    for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(ran[j], j == k ? 1 : 0) << "case " << j;
  }
  // The default case counts as a case: its position is returned too.
  const chan<TypeParam, int> idle;
  EXPECT_EQ(csp::select(csp::on_default([] {}), csp::on_recv(idle)), 0u);
  EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_default([] {}), csp::on_send(idle, 1)), 1u);
  const chan<TypeParam, int> ready(1);
  ready.send(1);
  EXPECT_EQ(csp::select(csp::on_default([] {}), csp::on_recv(ready)), 1u);
}

// ---------------------------------------------------------------------------- default --

TYPED_TEST(SelectTest, TheDefaultRunsWhenNothingIsReady) {
  const chan<TypeParam, int> unbuffered;
  const chan<TypeParam, int> empty(2);
  const chan<TypeParam, int> full(1);
  full.send(9);
  int defaults = 0;
  int others = 0;
  const std::size_t i = csp::select(
      csp::on_recv(unbuffered, [&] { ++others; }), csp::on_send(unbuffered, 1, [&] { ++others; }),
      csp::on_recv(empty, [&] { ++others; }), csp::on_send(full, 2, [&] { ++others; }),
      csp::on_default([&] { ++defaults; }));
  EXPECT_EQ(i, 4u);
  EXPECT_EQ(defaults, 1);
  EXPECT_EQ(others, 0);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(full.size(), 1u);
  EXPECT_EQ(full.recv(), 9);
  int out = 0;
  EXPECT_EQ(unbuffered.try_recv(out), status::empty);  // no waiter was left behind
  EXPECT_EQ(unbuffered.try_send(1), status::full);
}

TYPED_TEST(SelectTest, TheDefaultIsNotTakenWhenACaseIsReady) {
  const chan<TypeParam, int> ready(1);
  const chan<TypeParam, int> closed;
  closed.close();
  for (int round = 0; round < 200; ++round) {
    ready.send(round);
    EXPECT_EQ(csp::select(csp::on_recv(ready), csp::on_default([] {})), 0u);
    EXPECT_EQ(csp::select(csp::on_default([] {}), csp::on_send(ready, round)), 1u);
    EXPECT_EQ(ready.recv(), round);
    // A closed channel is ready (it receives nullopt).
    EXPECT_EQ(csp::select(csp::on_recv(closed), csp::on_default([] {})), 0u);
  }
}

TYPED_TEST(SelectTest, ALoneDefaultRunsAtOnce) {
  int ran = 0;
  EXPECT_EQ(csp::select(csp::on_default([&] { ++ran; })), 0u);
  EXPECT_EQ(ran, 1);
}

// ---------------------------------------------------------------------------- closed --

TYPED_TEST(SelectTest, AReceiveCaseOnAClosedChannelGetsItsValuesThenNullopt) {
  for (const std::size_t cap : {0u, 2u}) {
    const chan<TypeParam, int> ch(cap);
    if (cap > 0) ch.send(1);
    ch.close();
    const chan<TypeParam, int> idle;
    std::vector<std::optional<int>> got;
    const auto take = [&](std::optional<int> v) { got.push_back(v); };
    if (cap > 0) {
      EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_recv(ch, take)), 1u);
    }
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_recv(ch, take), csp::on_default([] {})),
                1u);
    }
    std::vector<std::optional<int>> expected;
    if (cap > 0) expected.push_back(1);
    for (int i = 0; i < 3; ++i) expected.emplace_back(std::nullopt);
    EXPECT_EQ(got, expected) << "capacity " << cap;
  }
}

TYPED_TEST(SelectTest, AChosenSendOnAClosedChannelThrowsAndMovesNothing) {
  for (const std::size_t cap : {0u, 1u}) {
    const chan<TypeParam, std::unique_ptr<int>> ch(cap);
    ch.close();
    auto p = std::make_unique<int>(1);
    bool ran = false;
    EXPECT_THROW(csp::select(csp::on_send(ch, std::move(p), [&] { ran = true; })),
                 csp::closed_channel_error);
    ASSERT_NE(p, nullptr) << "capacity " << cap;
    EXPECT_EQ(*p, 1);
    // With a default: a closed channel is ready, so its send case is chosen, and throws.
    EXPECT_THROW(csp::select(csp::on_send(ch, std::move(p)), csp::on_default([&] { ran = true; })),
                 csp::closed_channel_error);
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(ran);

    tracked t(5);
    const chan<TypeParam, tracked> tch(cap);
    tch.close();
    EXPECT_THROW(csp::select(csp::on_send(tch, std::move(t))), csp::closed_channel_error);
    EXPECT_EQ(t.moved_out, 0);
    EXPECT_EQ(t.v, 5);
  }
}

TYPED_TEST(SelectTest, ABlockedSelectIsWokenByClose) {
  for (const std::size_t cap : {0u, 1u, 4u}) {
    SCOPED_TRACE(testing::Message() << "capacity " << cap);
    {  // receive cases: the closed one is chosen, with nullopt
      const chan<TypeParam, int> a(cap);
      const chan<TypeParam, int> b(cap);
      std::latch started(1);
      std::size_t i = 9;
      std::optional<int> got = 0;
      std::thread t([&] {
        started.count_down();
        i = csp::select(csp::on_recv(a), csp::on_recv(b, [&](std::optional<int> v) { got = v; }));
      });
      started.wait();
      let_it_block();
      b.close();
      t.join();
      EXPECT_EQ(i, 1u);
      EXPECT_EQ(got, std::nullopt);
    }
    {  // send cases: the chosen one throws, its argument unmoved
      const chan<TypeParam, std::unique_ptr<int>> a(cap);
      const chan<TypeParam, std::unique_ptr<int>> b(cap);
      for (std::size_t k = 0; k < cap; ++k) {  // full: the send cases block
        a.send(std::make_unique<int>(0));
        b.send(std::make_unique<int>(0));
      }
      std::latch started(1);
      bool threw = false;
      std::unique_ptr<int> pa = std::make_unique<int>(1);
      std::unique_ptr<int> pb = std::make_unique<int>(2);
      std::thread t([&] {
        started.count_down();
        try {
          (void)csp::select(csp::on_send(a, std::move(pa)), csp::on_send(b, std::move(pb)));
        } catch (const csp::closed_channel_error&) {
          threw = true;
        }
      });
      started.wait();
      let_it_block();
      a.close();
      t.join();
      EXPECT_TRUE(threw);
      ASSERT_NE(pa, nullptr);
      ASSERT_NE(pb, nullptr);
      EXPECT_EQ(*pa, 1);
      EXPECT_EQ(*pb, 2);
      EXPECT_EQ(b.size(), cap);  // the losing send delivered nothing
      b.close();
    }
  }
}

// ---------------------------------------------------------- exactly once: the losers --

TYPED_TEST(SelectTest, ALosingSendCaseDoesNotMoveItsArgument) {
  const chan<TypeParam, std::string> ready(1);
  const chan<TypeParam, std::string> unbuffered;
  const chan<TypeParam, std::string> full(1);
  full.send("x");
  for (int round = 0; round < 50; ++round) {
    ready.send("r");
    std::string a = "a long string that does not fit in the small-string buffer";
    std::string b = "another long string that does not fit in the small buffer";
    EXPECT_EQ(csp::select(csp::on_send(unbuffered, std::move(a)), csp::on_recv(ready),
                          csp::on_send(full, std::move(b))),
              1u);
    EXPECT_EQ(a, "a long string that does not fit in the small-string buffer");
    EXPECT_EQ(b, "another long string that does not fit in the small buffer");
  }
  // Two ready send cases sharing one argument: only the chosen one moves it, once.
  const chan<TypeParam, tracked> x(1);
  const chan<TypeParam, tracked> y(1);
  for (int round = 0; round < 50; ++round) {
    tracked t(round);
    const std::size_t i = csp::select(csp::on_send(x, std::move(t)), csp::on_send(y, std::move(t)));
    EXPECT_EQ(t.moved_out, 1);
    const auto& got = i == 0 ? x : y;
    const auto& other = i == 0 ? y : x;
    EXPECT_EQ(got.recv()->v, round);
    EXPECT_EQ(other.size(), 0u);
  }
}

TYPED_TEST(SelectTest, ALosingBlockedSendCaseDoesNotMoveItsArgument) {
  // The select registers both cases and blocks; a receiver on the other channel wins.
  for (const std::size_t cap : {0u, 1u}) {
    const chan<TypeParam, tracked> out(cap);
    if (cap > 0) out.send(tracked(0));  // full
    const chan<TypeParam, int> in;
    tracked t(7);
    std::latch started(1);
    std::size_t i = 9;
    std::thread t1([&] {
      started.count_down();
      i = csp::select(csp::on_send(out, std::move(t)), csp::on_recv(in));
    });
    started.wait();
    let_it_block();
    in.send(1);
    t1.join();
    EXPECT_EQ(i, 1u);
    EXPECT_EQ(t.moved_out, 0) << "capacity " << cap;
    EXPECT_EQ(t.v, 7);
    EXPECT_EQ(out.size(), cap);
  }
}

TYPED_TEST(SelectTest, ALosingReceiveCaseTakesNothing) {
  const chan<TypeParam, int> a(1);
  const chan<TypeParam, int> b(1);
  for (int round = 0; round < 100; ++round) {
    a.send(1);
    b.send(2);
    std::optional<int> got;
    const auto take = [&](std::optional<int> v) { got = v; };
    const std::size_t i = csp::select(csp::on_recv(a, take), csp::on_recv(b, take));
    ASSERT_LT(i, 2u);
    EXPECT_EQ(got, i == 0 ? 1 : 2);
    EXPECT_EQ(a.size() + b.size(), 1u);
    EXPECT_EQ((i == 0 ? b : a).recv(), i == 0 ? 2 : 1);  // the loser's value is still there
  }
  // Two receive cases on one channel take one value between them.
  const chan<TypeParam, int> c(2);
  c.send(1);
  c.send(2);
  std::vector<int> got;
  const auto take = [&](std::optional<int> v) { got.push_back(*v); };
  (void)csp::select(csp::on_recv(c, take), csp::on_recv(c, take));
  EXPECT_EQ(got, std::vector<int>{1});
  EXPECT_EQ(c.recv(), 2);
}

TYPED_TEST(SelectTest, WithdrawnCasesLeaveNoTrace) {
  // A select that blocked on several unbuffered channels and completed one case has left the
  // others: a later non-blocking partner finds nobody waiting, and plain operations pair up.
  const chan<TypeParam, int> win;
  const chan<TypeParam, int> r;
  const chan<TypeParam, int> s;
  for (int round = 0; round < 20; ++round) {
    std::latch started(1);
    std::thread t([&] {
      started.count_down();
      EXPECT_EQ(csp::select(csp::on_recv(r), csp::on_send(s, -1), csp::on_recv(win)), 2u);
    });
    started.wait();
    let_it_block();
    win.send(round);
    t.join();
    int out = 0;
    EXPECT_EQ(r.try_send(1), status::full) << "a withdrawn receive case took a value";
    EXPECT_EQ(s.try_recv(out), status::empty) << "a withdrawn send case delivered a value";
    std::thread partner([&] { r.send(round); });
    EXPECT_EQ(r.recv(), round);
    partner.join();
  }
}

// ------------------------------------------------------------- blocking and waking up --

TYPED_TEST(SelectTest, ABlockedSelectIsWokenByALaterSend) {
  for (const std::size_t cap : {0u, 1u, 4u}) {
    for (int round = 0; round < 10; ++round) {
      const chan<TypeParam, int> a(cap);
      const chan<TypeParam, int> b(cap);
      std::latch started(1);
      std::size_t i = 9;
      std::optional<int> got;
      std::thread t([&] {
        started.count_down();
        i = csp::select(csp::on_recv(a, [&](std::optional<int> v) { got = v; }),
                        csp::on_recv(b, [&](std::optional<int> v) { got = v; }));
      });
      started.wait();
      let_it_block();
      ((round % 2 == 0) ? a : b).send(round);
      t.join();
      EXPECT_EQ(i, round % 2 == 0 ? 0u : 1u) << "capacity " << cap;
      EXPECT_EQ(got, round);
      EXPECT_EQ(a.size() + b.size(), 0u);
    }
  }
}

TYPED_TEST(SelectTest, ABlockedSelectIsWokenByALaterReceive) {
  for (const std::size_t cap : {0u, 1u, 4u}) {
    for (int round = 0; round < 10; ++round) {
      const chan<TypeParam, int> a(cap);
      const chan<TypeParam, int> b(cap);
      for (std::size_t k = 0; k < cap; ++k) {  // full: the send cases block
        a.send(-1);
        b.send(-1);
      }
      std::latch started(1);
      std::size_t i = 9;
      std::thread t([&] {
        started.count_down();
        i = csp::select(csp::on_send(a, 100 + round), csp::on_send(b, 200 + round));
      });
      started.wait();
      let_it_block();
      const auto& chosen = round % 2 == 0 ? a : b;
      const auto& other = round % 2 == 0 ? b : a;
      if (cap > 0) {
        EXPECT_EQ(chosen.recv(), -1);  // frees a slot: the select's value goes in behind
        t.join();
        for (std::size_t k = 1; k < cap; ++k) EXPECT_EQ(chosen.recv(), -1);
        EXPECT_EQ(chosen.recv(), round % 2 == 0 ? 100 + round : 200 + round);
      } else {
        EXPECT_EQ(chosen.recv(), round % 2 == 0 ? 100 + round : 200 + round);
        t.join();
      }
      EXPECT_EQ(i, round % 2 == 0 ? 0u : 1u) << "capacity " << cap;
      EXPECT_EQ(other.size(), cap);  // the loser delivered nothing
    }
  }
}

TYPED_TEST(SelectTest, ASelectOnManyChannelsWakesForAnyOfThem) {
  constexpr std::size_t n = 6;
  for (const std::size_t cap : {0u, 1u}) {
    for (std::size_t k = 0; k < n; ++k) {
      std::vector<chan<TypeParam, int>> c;
      for (std::size_t j = 0; j < n; ++j) c.emplace_back(cap);
      std::latch started(1);
      std::size_t i = 99;
      std::optional<int> got;
      const auto take = [&](std::optional<int> v) { got = v; };
      std::thread t([&] {
        started.count_down();
        i = csp::select(csp::on_recv(c[0], take), csp::on_recv(c[1], take),
                        csp::on_recv(c[2], take), csp::on_recv(c[3], take),
                        csp::on_recv(c[4], take), csp::on_recv(c[5], take));
      });
      started.wait();
      let_it_block();
      c[k].send(static_cast<int>(k));
      t.join();
      EXPECT_EQ(i, k);
      EXPECT_EQ(got, static_cast<int>(k));
    }
  }
}

TYPED_TEST(SelectTest, TwoChannelsReadyAtOnceGiveTheSelectExactlyOneValue) {
  // A select blocked on a and b; two threads send on a and b at the same moment. The select
  // takes one value; the other stays in its channel (buffered) or with its sender (unbuffered).
  const int rounds = sanitized ? 30 : 200;
  for (const std::size_t cap : {0u, 1u, 4u}) {
    for (int round = 0; round < rounds; ++round) {
      const chan<TypeParam, int> a(cap);
      const chan<TypeParam, int> b(cap);
      std::latch go(3);
      std::size_t i = 9;
      std::optional<int> got;
      const auto take = [&](std::optional<int> v) { got = v; };
      std::thread sel([&] {
        go.arrive_and_wait();
        i = csp::select(csp::on_recv(a, take), csp::on_recv(b, take));
      });
      std::thread sa([&] {
        go.arrive_and_wait();
        a.send(1);
      });
      std::thread sb([&] {
        go.arrive_and_wait();
        b.send(2);
      });
      sel.join();
      ASSERT_LT(i, 2u);
      EXPECT_EQ(got, i == 0 ? 1 : 2) << "capacity " << cap;
      const auto& other = i == 0 ? b : a;
      const auto& chosen = i == 0 ? a : b;
      EXPECT_EQ(other.recv(), i == 0 ? 2 : 1);  // the other value, once
      sa.join();
      sb.join();
      int out = 0;
      EXPECT_EQ(chosen.try_recv(out), status::empty) << "capacity " << cap;
      EXPECT_EQ(other.try_recv(out), status::empty) << "capacity " << cap;
    }
  }
}

TYPED_TEST(SelectTest, SelfSelectNeverMeetsItself) {
  // Go's TestSelfSelect shape: two threads each select between sending on and receiving from
  // the same channel. On an unbuffered channel a select never receives its own value; every
  // value sent is received once.
  const int n = sanitized ? 200 : 1000;
  for (const std::size_t cap : {0u, 1u}) {
    const chan<TypeParam, int> c(cap);
    std::array<int, 2> sent{};
    std::array<int, 2> received{};
    std::array<int, 2> self{};
    std::vector<std::thread> threads;
    for (int p = 0; p < 2; ++p) {
      threads.emplace_back([&, p] {
        const auto got = [&](std::optional<int> v) {
          ++received[static_cast<std::size_t>(p)];
          if (v == p) ++self[static_cast<std::size_t>(p)];
        };
        for (int i = 0; i < n; ++i) {
          std::size_t k = 0;
          if (p == 0 || i % 2 == 0) {
            k = csp::select(csp::on_send(c, p), csp::on_recv(c, got));
            if (k == 0) ++sent[static_cast<std::size_t>(p)];
          } else {
            k = csp::select(csp::on_recv(c, got), csp::on_send(c, p));
            if (k == 1) ++sent[static_cast<std::size_t>(p)];
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    if (cap == 0) {
      EXPECT_EQ(self[0] + self[1], 0) << "a select received its own value";
      EXPECT_EQ(sent[0], received[1]);
      EXPECT_EQ(sent[1], received[0]);
    } else {
      // Each thread may have received its own values; what is sent is received or still
      // buffered.
      EXPECT_EQ(sent[0] + sent[1], received[0] + received[1] + static_cast<int>(c.size()));
    }
  }
}

TYPED_TEST(SelectTest, SelectsOnBothSidesOfAnUnbufferedChannelPair) {
  const int n = sanitized ? 300 : 3000;
  const chan<TypeParam, int> ch;
  const chan<TypeParam, int> idle_a;  // never ready: nobody else uses them
  const chan<TypeParam, int> idle_b;
  std::thread sender([&] {
    for (int i = 0; i < n; ++i) {
      if (i % 2 == 0) {
        EXPECT_EQ(csp::select(csp::on_send(ch, i)), 0u);
      } else {
        EXPECT_EQ(csp::select(csp::on_recv(idle_a), csp::on_send(ch, i)), 1u);
      }
    }
  });
  int expected = 0;
  for (int i = 0; i < n; ++i) {
    std::optional<int> got;
    const auto take = [&](std::optional<int> v) { got = v; };
    if (i % 3 == 0) {
      EXPECT_EQ(csp::select(csp::on_recv(ch, take)), 0u);
    } else {
      EXPECT_EQ(csp::select(csp::on_send(idle_b, 0), csp::on_recv(ch, take)), 1u);
    }
    ASSERT_EQ(got, expected);
    ++expected;
  }
  sender.join();
}

// --------------------------------------------------------- views and mixed channels --

TYPED_TEST(SelectTest, DirectionalViewsAreCases) {
  using int_chan = chan<TypeParam, int>;
  const int_chan ch(1);
  const typename int_chan::send_only out = ch;
  const typename int_chan::recv_only in = ch;
  EXPECT_EQ(csp::select(csp::on_recv(in), csp::on_send(out, 1)), 1u);
  std::optional<int> got;
  EXPECT_EQ(
      csp::select(csp::on_send(out, 2), csp::on_recv(in, [&](std::optional<int> v) { got = v; })),
      1u);
  EXPECT_EQ(got, 1);
  EXPECT_EQ(csp::select(csp::on_send(ch.sender(), 3), csp::on_recv(ch.receiver()),
                        csp::on_default([] {})),
            0u);
  EXPECT_EQ(ch.recv(), 3);
  // A blocked select on views is woken like one on the channel.
  std::thread t([&] {
    EXPECT_EQ(csp::select(csp::on_recv(in, [&](std::optional<int> v) { got = v; })), 0u);
  });
  out.send(4);
  t.join();
  EXPECT_EQ(got, 4);
  out.close();
  EXPECT_EQ(csp::select(csp::on_recv(in, [&](std::optional<int> v) { got = v; })), 0u);
  EXPECT_EQ(got, std::nullopt);
  EXPECT_THROW(csp::select(csp::on_send(out, 5)), csp::closed_channel_error);
}

TYPED_TEST(SelectTest, OneSelectMixesBothImplementations) {
  using mine = chan<TypeParam, int>;
  using theirs = chan<other<TypeParam>, int>;
  for (const std::size_t cap : {0u, 1u}) {
    const mine a(cap);
    const theirs b(cap);
    std::optional<int> got;
    const auto take = [&](std::optional<int> v) { got = v; };
    for (int round = 0; round < 10; ++round) {
      std::latch started(1);
      std::size_t i = 9;
      std::thread t([&] {
        started.count_down();
        i = csp::select(csp::on_recv(a, take), csp::on_recv(b.receiver(), take));
      });
      started.wait();
      let_it_block();
      if (round % 2 == 0) {
        a.send(round);
      } else {
        b.send(round);
      }
      t.join();
      EXPECT_EQ(i, round % 2 == 0 ? 0u : 1u) << "capacity " << cap;
      EXPECT_EQ(got, round);
    }
    // Sends: a receiver (or room) on the other implementation's channel completes the select.
    if (cap > 0) a.send(-1);  // full: its send case is not ready
    std::thread r([&] { EXPECT_EQ(b.recv(), 7); });
    EXPECT_EQ(csp::select(csp::on_send(a, 6), csp::on_send(b.sender(), 7)), 1u);
    r.join();
    EXPECT_EQ(a.size(), cap);
    if (cap > 0) {
      EXPECT_EQ(a.recv(), -1);
    }
    b.close();
    EXPECT_EQ(csp::select(csp::on_recv(a), csp::on_recv(b)), 1u);
  }
}

TYPED_TEST(SelectTest, AfterIsATimeoutCase) {
  const chan<TypeParam, int> ch;
  std::optional<std::chrono::steady_clock::time_point> fired;
  const std::size_t i =
      csp::select(csp::on_recv(ch), csp::on_recv(csp::after(50ms), [&](auto t) { fired = t; }));
  EXPECT_EQ(i, 1u);
  EXPECT_TRUE(fired.has_value());

  // A value that arrives first wins over the timeout.
  csp::timer deadline(generous);
  std::latch started(1);
  std::thread sender([&] {
    started.wait();
    let_it_block();
    ch.send(3);
  });
  started.count_down();
  std::optional<int> got;
  EXPECT_EQ(csp::select(csp::on_recv(ch, [&](std::optional<int> v) { got = v; }),
                        csp::on_recv(deadline.channel(), [](auto) {})),
            0u);
  EXPECT_EQ(got, 3);
  sender.join();
  EXPECT_TRUE(deadline.stop());  // still pending: the select did not consume it
}

TYPED_TEST(SelectTest, ATryOperationFindsASelectWhoseEarlierTimeoutsFired) {
  // Go's heartbeat loop, `select { case v := <-ch: ... case <-time.After(d): ... }`, many times
  // over on an idle unbuffered channel, then once more while a non-blocking send comes: the
  // send pairs with the select's case. And so with a send case and a non-blocking receive.
  // (In the lock-free channel a select's case that withdrew left its cell marked until a party
  // of the other side drew its position; after 32, the next select found no free cell, only
  // watched the channel, and the try operation answered `full` or `empty`:
  // lock_free/rendezvous.hpp, W.)
  for (const bool receive_case : {true, false}) {
    const chan<TypeParam, int> ch;
    for (int i = 0; i < 40; ++i) {  // more than the lock-free channel's 32 cells
      const std::size_t timed_out =
          receive_case ? csp::select(csp::on_recv(ch), csp::on_recv(csp::after(100us)))
                       : csp::select(csp::on_send(ch, i), csp::on_recv(csp::after(100us)));
      ASSERT_EQ(timed_out, 1u) << i;
    }
    const chan<TypeParam, int> release;  // closed to end the select if the test fails
    std::atomic<pid_t> tid{0};
    std::optional<int> got;
    std::size_t chosen = 2;
    std::thread waiter([&] {
      tid = csp_test::this_thread_tid();
      chosen = receive_case ? csp::select(csp::on_recv(ch, [&](std::optional<int> v) { got = v; }),
                                          csp::on_recv(release))
                            : csp::select(csp::on_send(ch, 7), csp::on_recv(release));
    });
    while (tid == 0) std::this_thread::yield();
    const bool parked = csp_test::settles_asleep(tid, generous);
    int out = 0;
    const status polled = receive_case ? ch.try_send(42) : ch.try_recv(out);
    if (polled != status::ok) release.close();
    waiter.join();
    ASSERT_TRUE(parked);
    EXPECT_EQ(polled, status::ok) << (receive_case ? "try_send" : "try_recv");
    if (polled == status::ok) {
      EXPECT_EQ(chosen, 0u);
      EXPECT_EQ(receive_case ? got.value_or(0) : out, receive_case ? 42 : 7);
    }
  }
}

// ----------------------------------------------------------------------- handlers --

TYPED_TEST(SelectTest, HandlerVariants) {
  const chan<TypeParam, int> ch(4);
  // Receive handlers: by value, by const reference, by rvalue reference, generic, none.
  int calls = 0;
  ch.send(1);
  (void)csp::select(csp::on_recv(ch, [&](std::optional<int> v) { calls += *v; }));
  ch.send(2);
  (void)csp::select(csp::on_recv(ch, [&](const std::optional<int>& v) { calls += *v; }));
  ch.send(3);
  (void)csp::select(csp::on_recv(ch, [&](std::optional<int>&& v) { calls += *v; }));
  ch.send(4);
  (void)csp::select(csp::on_recv(ch, [&](auto v) { calls += *v; }));
  EXPECT_EQ(calls, 1 + 2 + 3 + 4);
  ch.send(5);
  (void)csp::select(csp::on_recv(ch, [&] { ++calls; }));  // takes nothing: the value is dropped
  EXPECT_EQ(calls, 11);
  ch.send(6);
  EXPECT_EQ(csp::select(csp::on_recv(ch)), 0u);  // no handler
  EXPECT_EQ(ch.size(), 0u);
  // A mutable function object keeps its state for the call.
  int seen = 0;
  ch.send(7);
  (void)csp::select(csp::on_recv(ch, [&seen, n = 0](std::optional<int> v) mutable {
    n += *v;
    seen = n;
  }));
  EXPECT_EQ(seen, 7);
  // Send handlers: a callable taking nothing, or none; a handler's result is ignored.
  EXPECT_EQ(csp::select(csp::on_send(ch, 8, [&] { ++calls; })), 0u);
  EXPECT_EQ(csp::select(csp::on_send(ch, 9)), 0u);
  EXPECT_EQ(csp::select(csp::on_send(ch, 10, [] { return 42; })), 0u);
  EXPECT_EQ(calls, 12);
  EXPECT_EQ(ch.size(), 3u);
  // A move-only value reaches the handler; a receive handler on a closed channel gets nullopt.
  const chan<TypeParam, std::unique_ptr<int>> up(1);
  up.send(std::make_unique<int>(11));
  std::unique_ptr<int> kept;
  (void)csp::select(csp::on_recv(up, [&](std::optional<std::unique_ptr<int>> v) {
    if (v) kept = std::move(*v);  // nullopt leaves kept null: the assertion below fails
  }));
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept, 11);
  up.close();
  bool was_closed = false;
  (void)csp::select(csp::on_recv(up, [&](auto v) { was_closed = !v.has_value(); }));
  EXPECT_TRUE(was_closed);
}

TYPED_TEST(SelectTest, TheHandlerRunsOnceOnTheCallingThreadAfterTheOperation) {
  const chan<TypeParam, int> ch(1);
  const auto me = std::this_thread::get_id();
  int runs = 0;
  ch.send(1);
  (void)csp::select(csp::on_recv(ch, [&](std::optional<int>) {
    ++runs;
    EXPECT_EQ(std::this_thread::get_id(), me);
    EXPECT_EQ(ch.size(), 0u);  // the value was taken before the handler ran
  }));
  (void)csp::select(csp::on_send(ch, 2, [&] {
    ++runs;
    EXPECT_EQ(ch.size(), 1u);  // and sent
  }));
  EXPECT_EQ(runs, 2);
  // A blocked select's handler runs on the selecting thread too, not on its partner's.
  const chan<TypeParam, int> u;
  std::thread::id ran_on;
  std::thread t([&] {
    (void)csp::select(
        csp::on_recv(u, [&](std::optional<int>) { ran_on = std::this_thread::get_id(); }));
  });
  const auto selector = t.get_id();
  u.send(3);
  t.join();
  EXPECT_EQ(ran_on, selector);
}

TYPED_TEST(SelectTest, AHandlerMayUseTheSameChannelsAndSelectAgain) {
  // Handlers run after the select has let go of every channel (no lock is held).
  const chan<TypeParam, int> a(1);
  const chan<TypeParam, int> b(1);
  a.send(1);
  int inner = -1;
  EXPECT_EQ(
      csp::select(csp::on_recv(a,
                               [&](std::optional<int> v) {
                                 EXPECT_EQ(a.try_send(*v + 1), status::ok);
                                 inner = static_cast<int>(csp::select(
                                     csp::on_recv(b), csp::on_recv(a), csp::on_default([] {})));
                               }),
                  csp::on_recv(b)),
      0u);
  EXPECT_EQ(inner, 1);
  EXPECT_EQ(a.size(), 0u);
}

TYPED_TEST(SelectTest, SendArgumentsAreConvertedAndCopiedLikeSend) {
  const chan<TypeParam, std::string> ch(2);
  EXPECT_EQ(csp::select(csp::on_send(ch, "literal")), 0u);
  const std::string lvalue = "a long lvalue that does not fit in the small-string buffer";
  EXPECT_EQ(csp::select(csp::on_send(ch, lvalue)), 0u);  // copied: lvalue is const
  EXPECT_EQ(lvalue, "a long lvalue that does not fit in the small-string buffer");
  EXPECT_EQ(ch.recv(), "literal");
  EXPECT_EQ(ch.recv(), lvalue);
  std::string mutable_lvalue = "also a long string, longer than the small-string buffer";
  EXPECT_EQ(csp::select(csp::on_send(ch, mutable_lvalue)), 0u);  // an lvalue is copied
  EXPECT_EQ(mutable_lvalue, "also a long string, longer than the small-string buffer");
  EXPECT_EQ(ch.recv(), mutable_lvalue);
}

// A value converted from an rvalue std::string: by moving from it, or by copying a const one.
struct wrapped {
  wrapped(std::string&& s) : text(std::move(s)) {}  // NOLINT: implicit, a converting send
  wrapped(const std::string& s) : text(s) {}        // NOLINT
  std::string text;
};

// Two selects race to send converted rvalues into a one-slot channel while a third thread
// drains it: each select that takes its default still holds its whole argument. (A lock-free
// ring stages the converted value before its publish can fail for a full buffer, and cannot
// turn it back into the argument: there, the case converts from the argument as a const
// lvalue; a move-only argument of another type does not compile.)
TYPED_TEST(SelectTest, ALosingConvertingRvalueSendKeepsItsArgument) {
  const chan<TypeParam, wrapped> ch(1);
  const int rounds = sanitized ? 2000 : 20000;
  const std::string text = "a string longer than the small-string buffer, converted per send";
  std::atomic<int> senders_left{2};
  std::atomic<int> lost{0};
  std::atomic<int> defaults{0};
  const auto sender = [&] {
    for (int i = 0; i < rounds; ++i) {
      std::string arg = text;
      if (csp::select(csp::on_send(ch, std::move(arg)), csp::on_default([] {})) == 1) {
        defaults.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count read after join
        if (arg != text) lost.fetch_add(1, std::memory_order_relaxed);  // relaxed: as above
      }
    }
    senders_left.fetch_sub(1);
  };
  std::thread a(sender);
  std::thread b(sender);
  int received = 0;
  wrapped out(std::string{});
  for (bool last = false; !last;) {
    last = senders_left.load() == 0;  // then one more drain takes what is left
    while (ch.try_recv(out) == status::ok) {
      EXPECT_EQ(out.text, text);
      ++received;
    }
  }
  a.join();
  b.join();
  EXPECT_EQ(lost.load(), 0) << "a losing send case consumed its argument";
  EXPECT_EQ(received + defaults.load(), 2 * rounds) << "a value lost or duplicated";
}

// ------------------------------------------------------------------------ fairness --

// Counts how often each of `n` cases of a select is chosen over `trials` selects, each case
// kept ready by `refill(k)` after it was chosen.
template <class Select>
std::vector<int> choices(std::size_t n, int trials, Select&& select_once) {
  std::vector<int> count(n, 0);
  for (int t = 0; t < trials; ++t) {
    const std::size_t k = select_once();
    if (k < n) ++count[k];
  }
  return count;
}

TYPED_TEST(SelectTest, AmongReadyCasesEachIsChosenUniformly) {
  constexpr int trials = 4000;
  {  // two receive cases, always ready
    const chan<TypeParam, int> a(1);
    const chan<TypeParam, int> b(1);
    a.send(0);
    b.send(0);
    const auto count = choices(2, trials, [&] {
      const std::size_t k = csp::select(csp::on_recv(a), csp::on_recv(b));
      (k == 0 ? a : b).send(0);
      return k;
    });
    for (const int c : count) {
      EXPECT_GT(c, trials * 35 / 100);
      EXPECT_LT(c, trials * 65 / 100);
    }
  }
  {  // a send and a receive case, both ready
    const chan<TypeParam, int> a(2);
    const chan<TypeParam, int> b(2);
    b.send(0);
    const auto count = choices(2, trials, [&] {
      const std::size_t k = csp::select(csp::on_send(a, 0), csp::on_recv(b));
      if (k == 0) {
        (void)a.recv();
      } else {
        b.send(0);
      }
      return k;
    });
    for (const int c : count) {
      EXPECT_GT(c, trials * 35 / 100);
      EXPECT_LT(c, trials * 65 / 100);
    }
  }
  {  // four cases, among them a closed channel and a default that must never run
    const chan<TypeParam, int> a(1);
    const chan<TypeParam, int> b(1);
    const chan<TypeParam, int> c(1);
    const chan<TypeParam, int> closed;
    closed.close();
    a.send(0);
    b.send(0);
    const auto count = choices(5, trials, [&] {
      const std::size_t k = csp::select(csp::on_recv(a), csp::on_recv(b), csp::on_send(c, 0),
                                        csp::on_recv(closed), csp::on_default([] {}));
      if (k == 0) a.send(0);
      if (k == 1) b.send(0);
      if (k == 2) (void)c.recv();
      return k;
    });
    for (std::size_t k = 0; k < 4; ++k) {
      EXPECT_GT(count[k], trials * 15 / 100) << "case " << k;
      EXPECT_LT(count[k], trials * 35 / 100) << "case " << k;
    }
    EXPECT_EQ(count[4], 0);
  }
}

// ---------------------------------------------------------------------- exceptions --

TYPED_TEST(SelectTest, AThrowingMoveOutOfTheBufferKeepsTheValueBuffered) {
  fragile::countdown = 0;
  const int live = fragile::live.load();
  {
    const chan<TypeParam, fragile> ch(2);
    const chan<TypeParam, fragile> idle;
    ch.send(fragile(1));
    ch.send(fragile(2));
    int got = 0;
    const auto take = [&](std::optional<fragile>&& v) { got = v->v; };
    fragile::countdown = 1;  // the move out of the buffer throws
    EXPECT_THROW(csp::select(csp::on_recv(idle), csp::on_recv(ch, take)), std::runtime_error);
    EXPECT_EQ(ch.size(), 2u);
    EXPECT_EQ(got, 0);
    fragile::countdown = 0;
    EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_recv(ch, take)), 1u);
    EXPECT_EQ(got, 1);  // nothing lost, nothing reordered
    EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_recv(ch, take)), 1u);
    EXPECT_EQ(got, 2);
  }
  EXPECT_EQ(fragile::live.load(), live);
}

TYPED_TEST(SelectTest, AThrowingMoveIntoTheBufferChangesNothing) {
  fragile::countdown = 0;
  const int live = fragile::live.load();
  {
    const chan<TypeParam, fragile> ch(2);
    const chan<TypeParam, fragile> idle;
    ch.send(fragile(1));
    fragile f(2);
    fragile::countdown = 1;  // the move of f into the channel throws
    EXPECT_THROW(csp::select(csp::on_send(idle, std::move(f)), csp::on_send(ch, std::move(f))),
                 std::runtime_error);
    fragile::countdown = 0;
    EXPECT_EQ(ch.size(), 1u);
    EXPECT_EQ(f.v, 2);  // still holds its value
    EXPECT_EQ(csp::select(csp::on_send(idle, std::move(f)), csp::on_send(ch, std::move(f))), 1u);
    EXPECT_EQ(ch.recv()->v, 1);
    EXPECT_EQ(ch.recv()->v, 2);
  }
  EXPECT_EQ(fragile::live.load(), live);
}

TYPED_TEST(SelectTest, AThrowingHandOffReachesOneSideOnceAndLosesNothing) {
  // Unbuffered: the value moves straight from the sender to the receiver, performed by whoever
  // arrives second — the select, or its plain partner. Arm the first move to throw: exactly one
  // side sees the exception (and retries), and the value arrives exactly once.
  fragile::countdown = 0;
  const int live = fragile::live.load();
  for (const bool select_sends : {false, true}) {
    for (int round = 0; round < 10; ++round) {
      SCOPED_TRACE(testing::Message()
                   << (select_sends ? "select sends" : "select receives") << ", round " << round);
      const chan<TypeParam, fragile> ch;
      const chan<TypeParam, fragile> idle;
      std::atomic<int> throws{0};
      int got = -1;
      fragile::countdown = 1;
      std::latch started(1);
      std::thread partner([&] {
        started.count_down();
        for (;;) {
          try {
            if (select_sends) {
              got = ch.recv()->v;
            } else {
              ch.send(fragile(7));
            }
            return;
          } catch (const std::runtime_error&) {
            ++throws;
          }
        }
      });
      started.wait();
      if (round % 2 == 0) let_it_block();  // either side may arrive second
      fragile mine(7);
      for (;;) {
        try {
          if (select_sends) {
            EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_send(ch, std::move(mine))), 1u);
          } else {
            EXPECT_EQ(
                csp::select(csp::on_send(idle, fragile(0)),
                            csp::on_recv(ch, [&](std::optional<fragile>&& v) { got = v->v; })),
                1u);
          }
          break;
        } catch (const std::runtime_error&) {
          ++throws;
        }
      }
      partner.join();
      fragile::countdown = 0;
      EXPECT_EQ(throws.load(), 1);
      EXPECT_EQ(got, 7);
    }
  }
  EXPECT_EQ(fragile::live.load(), live);
}

TYPED_TEST(SelectTest, AThrowingMoveIntoAFreedSlotReachesTheBlockedSelect) {
  // Capacity 1, full, a select blocked on sending f. A receive frees the slot (the first move:
  // it succeeds); moving f in is the second move, and throws: the receive still succeeds, the
  // select gets the exception, f keeps its value and the channel is left empty.
  fragile::countdown = 0;
  const int live = fragile::live.load();
  for (int round = 0; round < 10; ++round) {
    {
      const chan<TypeParam, fragile> ch(1);
      const chan<TypeParam, int> idle;
      ch.send(fragile(1));
      fragile f(2);
      bool threw = false;
      std::latch started(1);
      std::thread t([&] {
        started.count_down();
        try {
          (void)csp::select(csp::on_recv(idle), csp::on_send(ch, std::move(f)));
        } catch (const std::runtime_error&) {
          threw = true;
        }
      });
      started.wait();
      if (round % 2 == 0) let_it_block();
      fragile::countdown = 2;
      const std::optional<fragile> first = ch.recv();
      t.join();
      fragile::countdown = 0;
      ASSERT_TRUE(first.has_value());
      EXPECT_EQ(first->v, 1);
      EXPECT_TRUE(threw);
      EXPECT_EQ(f.v, 2);
      EXPECT_EQ(ch.size(), 0u);
      EXPECT_EQ(csp::select(csp::on_send(ch, std::move(f))), 0u);  // still usable
      EXPECT_EQ(ch.recv()->v, 2);
    }
    EXPECT_EQ(fragile::live.load(), live);
  }
}

// ------------------------------------------------- memory-model guarantees (TSan) --

TYPED_TEST(SelectTest, ASendHappensBeforeTheReceiveCaseThatTakesIt) {
  for (const std::size_t cap : {0u, 1u}) {
    const chan<TypeParam, int> ch(cap);
    const chan<TypeParam, int> idle;
    int plain = 0;  // TSan reports a race if the edge is missing
    std::thread sender([&] {
      plain = 1;
      ch.send(0);
    });
    EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_recv(ch)), 1u);
    EXPECT_EQ(plain, 1);
    sender.join();
  }
}

TYPED_TEST(SelectTest, OnAnUnbufferedChannelAReceiveHappensBeforeTheSendCaseCompletes) {
  const chan<TypeParam, int> ch;
  const chan<TypeParam, int> idle;
  int plain = 0;
  std::thread receiver([&] {
    plain = 1;
    (void)ch.recv();
  });
  EXPECT_EQ(csp::select(csp::on_recv(idle), csp::on_send(ch, 0)), 1u);
  EXPECT_EQ(plain, 1);
  receiver.join();
}

TYPED_TEST(SelectTest, CloseHappensBeforeAReceiveCaseThatObservesIt) {
  const chan<TypeParam, int> ch;
  const chan<TypeParam, int> idle;
  int plain = 0;
  std::thread closer([&] {
    plain = 1;
    ch.close();
  });
  std::optional<int> got = 0;
  EXPECT_EQ(
      csp::select(csp::on_recv(idle), csp::on_recv(ch, [&](std::optional<int> v) { got = v; })),
      1u);
  EXPECT_EQ(got, std::nullopt);
  EXPECT_EQ(plain, 1);
  closer.join();
}

TYPED_TEST(SelectTest, ASelectSendHappensBeforeASelectReceiveThatTakesIt) {
  const chan<TypeParam, int> ch;
  const chan<TypeParam, int> idle_a;  // each select's own never-ready case
  const chan<TypeParam, int> idle_b;
  int plain = 0;
  std::thread sender([&] {
    plain = 1;
    EXPECT_EQ(csp::select(csp::on_send(ch, 0), csp::on_recv(idle_a)), 0u);
  });
  EXPECT_EQ(csp::select(csp::on_send(idle_b, 0), csp::on_recv(ch)), 1u);
  EXPECT_EQ(plain, 1);
  sender.join();
}

}  // namespace
