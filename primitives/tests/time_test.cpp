// after, timer and ticker, and the timer service under them.
//
// The timing logic runs on detail::manual_timer_service, whose clock moves only when a test
// advances it: no sleeps, exact answers. Typed over both channel implementations. A few tests
// use the real service and clock with lower bounds ("not before d") and generous upper bounds
// only; threads are ordered with latches and the service's own counters, never with sleeps.
#include "csp/time.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "channel_impls.hpp"

namespace {

using namespace std::chrono_literals;
using manual = csp::detail::manual_timer_service;
using mtp = manual::time_point;
using steady = std::chrono::steady_clock;

// Long enough never to expire on a loaded 2-core machine under TSan; a hang fails via CTest.
constexpr auto generous = 60s;

mtp at(std::chrono::nanoseconds d) {
  return mtp(d);
}

template <class Impl>
class TimeTest : public ::testing::Test {
 protected:
  using chan = typename Impl::template channel<mtp>;
  using ticker = csp::basic_ticker<chan, manual>;
  using timer = csp::basic_timer<chan, manual>;

  // The value waiting in `c`, if any, without blocking.
  template <class R>
  static std::optional<mtp> poll(const R& c) {
    mtp v{};
    const csp::status s = c.try_recv(v);
    EXPECT_NE(s, csp::status::closed);
    return s == csp::status::ok ? std::optional<mtp>(v) : std::nullopt;
  }

  manual svc;
};

TYPED_TEST_SUITE(TimeTest, csp_test::channel_impls<::testing::Types>);

TYPED_TEST(TimeTest, AfterFiresOnceWhenTheDurationHasPassed) {
  auto c = csp::basic_after<typename TestFixture::chan>(this->svc, 10ms);
  EXPECT_EQ(c.capacity(), 1u);  // Go's time.After channel: capacity 1
  this->svc.advance(9ms);
  EXPECT_EQ(this->poll(c), std::nullopt);
  this->svc.advance(1ms);
  EXPECT_EQ(this->poll(c), at(10ms));
  this->svc.advance(1h);
  EXPECT_EQ(this->poll(c), std::nullopt);  // once
  EXPECT_EQ(this->svc.pending(), 0u);
}

TYPED_TEST(TimeTest, AfterANonPositiveDurationIsReadyAtOnce) {
  this->svc.advance(5s);
  EXPECT_EQ(this->poll(csp::basic_after<typename TestFixture::chan>(this->svc, 0ms)), at(5s));
  EXPECT_EQ(this->poll(csp::basic_after<typename TestFixture::chan>(this->svc, -1h)), at(5s));
  EXPECT_EQ(this->svc.pending(), 0u);
}

TYPED_TEST(TimeTest, AfterTooLongForTheClockArmsNothing) {
  auto c = csp::basic_after<typename TestFixture::chan>(this->svc, std::chrono::hours::max());
  EXPECT_EQ(this->svc.pending(), 0u);
  this->svc.advance(std::chrono::nanoseconds::max());
  EXPECT_EQ(this->poll(c), std::nullopt);
}

TYPED_TEST(TimeTest, AfterRoundsSubTickDurationsUp) {
  auto c =
      csp::basic_after<typename TestFixture::chan>(this->svc, std::chrono::duration<double>(1e-12));
  EXPECT_EQ(this->poll(c), std::nullopt);
  this->svc.advance(1ns);
  EXPECT_EQ(this->poll(c), at(1ns));
}

TYPED_TEST(TimeTest, TimersWithTheSameDeadlineFireInArmingOrder) {
  std::vector<int> order;
  std::vector<std::shared_ptr<csp::detail::timer<mtp>>> timers;
  for (int i = 0; i < 5; ++i) {
    timers.push_back(
        std::make_shared<csp::detail::timer<mtp>>([&order, i](mtp) { order.push_back(i); }));
    this->svc.arm(timers.back(), at(i == 2 ? 5ms : 10ms), 0ns);
  }
  this->svc.advance(10ms);
  EXPECT_EQ(order, (std::vector<int>{2, 0, 1, 3, 4}));
}

TYPED_TEST(TimeTest, TickerTicksEveryPeriod) {
  typename TestFixture::ticker t(10ms, this->svc);
  EXPECT_EQ(t.channel().capacity(), 1u);
  for (int k = 1; k <= 3; ++k) {
    this->svc.advance(9ms);
    EXPECT_EQ(this->poll(t.channel()), std::nullopt);
    this->svc.advance(1ms);
    EXPECT_EQ(this->poll(t.channel()), at(k * 10ms));
  }
}

TYPED_TEST(TimeTest, TickerDropsTicksASlowReaderMissed) {
  typename TestFixture::ticker t(10ms, this->svc);
  for (int k = 0; k < 5; ++k) this->svc.advance(10ms);  // five ticks, nobody reading
  EXPECT_EQ(t.channel().size(), 1u);
  EXPECT_EQ(this->poll(t.channel()), at(10ms));  // the first; the other four were dropped
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);
  this->svc.advance(10ms);
  EXPECT_EQ(this->poll(t.channel()), at(60ms));  // and the phase is kept
}

TYPED_TEST(TimeTest, TickerSkipsMissedPeriodsAndKeepsItsPhase) {
  typename TestFixture::ticker t(10ms, this->svc);
  this->svc.advance(35ms);  // a stalled service: periods 10, 20 and 30 are due at once
  EXPECT_EQ(this->poll(t.channel()), at(10ms));  // the time it was due; 20 and 30 are dropped
  EXPECT_EQ(this->svc.pending(), 1u);
  this->svc.advance(4ms);
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);  // no burst of the missed ticks
  this->svc.advance(1ms);
  EXPECT_EQ(this->poll(t.channel()), at(40ms));
}

TYPED_TEST(TimeTest, TickerStopDrainsAndNoTickFollows) {
  typename TestFixture::ticker t(10ms, this->svc);
  this->svc.advance(10ms);
  EXPECT_EQ(t.channel().size(), 1u);
  t.stop();
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);  // the waiting tick was drained
  EXPECT_EQ(this->svc.pending(), 0u);
  this->svc.advance(1h);
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);
  t.stop();  // idempotent
}

TYPED_TEST(TimeTest, TickerDestroyedWithoutStopDisarms) {
  std::optional<typename TestFixture::chan::recv_only> c;
  {
    typename TestFixture::ticker t(10ms, this->svc);
    c = t.channel();
    EXPECT_EQ(this->svc.pending(), 1u);
  }
  EXPECT_EQ(this->svc.pending(), 0u);
  this->svc.advance(1h);
  EXPECT_EQ(this->poll(*c), std::nullopt);  // the view outlives the ticker and stays quiet
}

TYPED_TEST(TimeTest, TickerResetRestartsWithTheNewPeriod) {
  typename TestFixture::ticker t(10ms, this->svc);
  this->svc.advance(15ms);
  EXPECT_EQ(this->poll(t.channel()), at(10ms));
  this->svc.advance(4ms);  // now 19 ms: the old ticker would fire at 20 ms
  t.reset(7ms);
  this->svc.advance(1ms);
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);
  this->svc.advance(6ms);
  EXPECT_EQ(this->poll(t.channel()), at(26ms));
  this->svc.advance(7ms);
  EXPECT_EQ(this->poll(t.channel()), at(33ms));
}

TYPED_TEST(TimeTest, TickerRejectsANonPositivePeriod) {
  using ticker_t = typename TestFixture::ticker;
  EXPECT_THROW(ticker_t(0ms, this->svc), std::invalid_argument);
  EXPECT_THROW(ticker_t(-1s, this->svc), std::invalid_argument);
  ticker_t t(1ms, this->svc);
  EXPECT_THROW(t.reset(0ns), std::invalid_argument);
  EXPECT_EQ(this->svc.pending(), 1u);  // still running
}

TYPED_TEST(TimeTest, TickerMovesWithItsTimer) {
  typename TestFixture::ticker a(10ms, this->svc);
  typename TestFixture::ticker b(std::move(a));
  EXPECT_EQ(this->svc.pending(), 1u);
  this->svc.advance(10ms);
  EXPECT_EQ(this->poll(b.channel()), at(10ms));
  typename TestFixture::ticker c(1ms, this->svc);
  c = std::move(b);  // c's own timer is stopped, b's moves in
  EXPECT_EQ(this->svc.pending(), 1u);
  this->svc.advance(10ms);
  EXPECT_EQ(this->poll(c.channel()), at(20ms));
}

TYPED_TEST(TimeTest, TimerStopReportsWhetherTheValueWasReceived) {
  typename TestFixture::timer t(10ms, this->svc);
  EXPECT_TRUE(t.stop());  // pending: stopped before it fired
  EXPECT_FALSE(t.stop());
  this->svc.advance(1h);
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);

  EXPECT_FALSE(t.reset(10ms));
  this->svc.advance(10ms);  // fired, not received yet
  EXPECT_TRUE(t.stop());    // Go 1.23: the unreceived value is discarded
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);

  EXPECT_FALSE(t.reset(10ms));
  this->svc.advance(10ms);
  EXPECT_EQ(this->poll(t.channel()), at(1h + 20ms));
  EXPECT_FALSE(t.stop());  // already received
}

TYPED_TEST(TimeTest, TimerResetRearms) {
  typename TestFixture::timer t(10ms, this->svc);
  this->svc.advance(5ms);
  EXPECT_TRUE(t.reset(10ms));  // was pending; now due at 15 ms
  this->svc.advance(9ms);
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);
  this->svc.advance(1ms);
  EXPECT_EQ(this->poll(t.channel()), at(15ms));
  this->svc.advance(1h);
  EXPECT_EQ(this->poll(t.channel()), std::nullopt);  // one-shot
}

TYPED_TEST(TimeTest, RangeOverATickerChannel) {
  typename TestFixture::ticker t(10ms, this->svc);
  std::thread clock([&] {
    // A tick only once the previous one was taken, so the reader misses none.
    for (int k = 0; k < 3; ++k) {
      while (t.channel().size() != 0) std::this_thread::yield();
      this->svc.advance(10ms);
    }
  });
  int n = 0;
  for (mtp v : t.channel()) {
    EXPECT_EQ(v, at(++n * 10ms));
    if (n == 3) break;
  }
  clock.join();
}

// --- the queue's rules, on manual time -------------------------------------------------------

TEST(TimerQueue, HeapFiresInDeadlineOrderAndSkipsDisarmed) {
  manual svc;
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> ms(1, 1000);
  std::vector<int> fired;
  std::vector<std::shared_ptr<csp::detail::timer<mtp>>> timers;
  std::vector<int> deadline;
  for (int i = 0; i < 2000; ++i) {
    deadline.push_back(ms(rng));
    timers.push_back(
        std::make_shared<csp::detail::timer<mtp>>([&fired, i](mtp) { fired.push_back(i); }));
    svc.arm(timers.back(), at(std::chrono::milliseconds(deadline.back())), 0ns);
  }
  std::vector<int> expected;
  for (int i = 0; i < 2000; ++i) {
    if (i % 3 == 0) {
      EXPECT_TRUE(svc.disarm(*timers[static_cast<std::size_t>(i)]));
    } else {
      expected.push_back(i);
    }
  }
  std::stable_sort(expected.begin(), expected.end(), [&](int a, int b) {
    return deadline[static_cast<std::size_t>(a)] < deadline[static_cast<std::size_t>(b)];
  });
  svc.advance(1s);
  EXPECT_EQ(fired, expected);
  EXPECT_EQ(svc.pending(), 0u);
  EXPECT_FALSE(svc.disarm(*timers[1]));  // already fired
}

TEST(TimerQueue, DisarmWaitsForARunningCallback) {
  manual svc;
  std::latch entered(1);
  std::latch release(1);
  std::atomic<bool> finished{false};
  auto t = std::make_shared<csp::detail::timer<mtp>>([&](mtp) {
    entered.count_down();
    release.wait();
    finished = true;
  });
  svc.arm(t, at(1ms), 1ms);
  std::thread firing([&] { svc.advance(1ms); });
  entered.wait();  // the callback is running on `firing`
  std::atomic<bool> disarmed{false};
  std::thread stopper([&] {
    EXPECT_FALSE(svc.disarm(*t));  // not armed while it runs: it had fired
    EXPECT_TRUE(finished.load());  // T2: the run happened-before disarm returned
    disarmed = true;
  });
  // Until stopper blocks in disarm (or, were disarm not to wait, returns: then fail, not hang).
  while (svc.disarm_waiters() == 0 && !disarmed.load()) std::this_thread::yield();
  EXPECT_FALSE(disarmed.load());
  release.count_down();
  stopper.join();
  firing.join();
  EXPECT_EQ(svc.pending(), 0u);  // and the periodic timer was not re-armed (I3)
}

TEST(TimerQueue, ACallbackMayDisarmOrRearmItself) {
  manual svc;
  std::shared_ptr<csp::detail::timer<mtp>> self;
  int runs = 0;
  self = std::make_shared<csp::detail::timer<mtp>>([&](mtp) {
    ++runs;
    if (runs == 1) svc.arm(self, at(100ms), 10ms);  // re-armed from inside: not twice
    if (runs == 2) {
      EXPECT_FALSE(svc.disarm(*self));  // returns at once on its own thread
    }
  });
  svc.arm(self, at(1ms), 1ms);
  svc.advance(1ms);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(svc.pending(), 1u);
  svc.advance(98ms);
  EXPECT_EQ(runs, 1);  // the re-arm replaced the 1 ms period
  svc.advance(1ms);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(svc.pending(), 0u);  // disarmed itself: not re-armed
  self.reset();
}

TEST(TimerQueue, ConcurrentAdvancesRunOneCallbackAtATime) {
  manual svc;
  std::atomic<int> inside{0};
  std::atomic<int> runs{0};
  std::vector<std::shared_ptr<csp::detail::timer<mtp>>> timers;
  for (int i = 0; i < 200; ++i) {
    timers.push_back(std::make_shared<csp::detail::timer<mtp>>([&](mtp) {
      EXPECT_EQ(inside.fetch_add(1), 0);
      std::this_thread::yield();
      inside.fetch_sub(1);
      runs.fetch_add(1);
    }));
    svc.arm(timers.back(), at(std::chrono::milliseconds(i % 50 + 1)), 0ns);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) svc.advance(1ms);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(runs.load(), 200);
}

// --- the real service and clock ----------------------------------------------------------------

TEST(RealClock, AfterReceivesNoSoonerThanTheDuration) {
  const auto t0 = steady::now();
  const std::optional<steady::time_point> v = csp::after(20ms).recv();
  const auto t1 = steady::now();
  ASSERT_TRUE(v.has_value());
  EXPECT_GE(*v, t0 + 20ms);  // a lower bound only
  EXPECT_GE(t1, *v);
  EXPECT_LT(t1 - t0, generous);
}

TEST(RealClock, AfterFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> received{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const auto t0 = steady::now();
      const auto d = std::chrono::milliseconds(1 + i % 4);
      steady::time_point v;
      EXPECT_EQ(csp::after(d).try_recv_for(v, generous), csp::status::ok);
      EXPECT_GE(v, t0 + d);
      received.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(received.load(), 8);
}

TEST(RealClock, TickerTicksAreSpacedAndIncreasing) {
  const auto t0 = steady::now();
  csp::ticker t(2ms);
  std::optional<steady::time_point> prev;
  for (int k = 1; k <= 5; ++k) {
    steady::time_point v;
    ASSERT_EQ(t.channel().try_recv_for(v, generous), csp::status::ok);
    EXPECT_GE(v, t0 + 2ms);
    if (prev) {
      EXPECT_GE(v - *prev, 2ms);  // due times: whole periods apart
    }
    prev = v;
  }
  t.stop();
}

TEST(RealClock, NoTickArrivesAfterStop) {
  for (int round = 0; round < 20; ++round) {
    csp::ticker t(50us);
    steady::time_point v;
    for (int k = 0; k < 3; ++k) ASSERT_EQ(t.channel().try_recv_for(v, generous), csp::status::ok);
    t.stop();
    EXPECT_EQ(t.channel().try_recv(v), csp::status::empty);
    EXPECT_EQ(t.channel().try_recv_for(v, 2ms), csp::status::timeout);
  }
}

TEST(RealClock, TimerStopBeforeItFires) {
  csp::timer t(1h);
  EXPECT_TRUE(t.stop());
  EXPECT_FALSE(t.reset(1ms));
  steady::time_point v;
  EXPECT_EQ(t.channel().try_recv_for(v, generous), csp::status::ok);
}

TEST(RealClock, ManyTickersStartedAndStoppedConcurrently) {
  auto& svc = csp::detail::timer_service<>::instance();
  const std::size_t before = svc.pending();
  std::vector<std::thread> threads;
  std::atomic<int> ticks{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 100; ++k) {
        csp::ticker t(std::chrono::microseconds(20 + 37 * ((i + k) % 5)));
        steady::time_point v;
        if (t.channel().try_recv_for(v, 1ms) == csp::status::ok) ticks.fetch_add(1);
        if (k % 2 == 0) t.stop();  // the others are stopped by their destructor
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(ticks.load(), 0);
  EXPECT_LE(svc.pending(), before);  // every ticker disarmed
}

// Leaves timers pending and a ticker to be destroyed during static destruction: the process
// must exit without hanging, crashing, or a LeakSanitizer report (the service is never
// destroyed, its thread is detached; see detail/timer_service.hpp). CTest runs each test in its
// own process, so this one's exit is exactly that.
TEST(RealClock, ProcessExitsWithTimersPending) {
  static csp::ticker at_exit(1ms);
  static csp::timer pending_timer(1h);
  static auto pending_after = csp::after(1h);
  static csp::ticker* const never_destroyed = new csp::ticker(100us);  // ticking at exit
  steady::time_point v;
  ASSERT_EQ(at_exit.channel().try_recv_for(v, generous), csp::status::ok);
  ASSERT_EQ(never_destroyed->channel().try_recv_for(v, generous), csp::status::ok);
  // The two 1 h timers at least (a ticker is out of the heap while its send runs).
  EXPECT_GE(csp::detail::timer_service<>::instance().pending(), 2u);
}

}  // namespace
