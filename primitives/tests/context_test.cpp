// context: the cancellation tree, deadlines, and std::stop_token interop.
//
// Deadlines run on detail::manual_timer_service (time moves only when a test advances it), typed
// over both channel implementations for done(). Concurrency tests use real threads ordered with
// latches; real-clock tests use lower bounds and generous upper bounds only.
#include "csp/context.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <stop_token>
#include <thread>
#include <variant>
#include <vector>

#include "channel_impls.hpp"

// Reads a context's list of children (the friend every primitive grants to its models).
template <class C, class S>
struct csp::models::access<csp::basic_context<C, S>> {
  static std::size_t children(const csp::basic_context<C, S>& ctx) {
    const auto& n = *ctx.n_;
    typename C::backend_type::unique_lock lk(n.m);
    std::size_t k = 0;
    auto* c = n.g.with([](const auto& g) { return g.first_child; });
    while (c != nullptr) {
      ++k;
      c = c->sib.with([](const auto& l) { return l.next; });
    }
    return k;
  }
};

namespace {

using namespace std::chrono_literals;
using manual = csp::detail::manual_timer_service;
using csp::context_error;

constexpr auto generous = 60s;

template <class Ctx>
std::size_t children(const Ctx& c) {
  return csp::models::access<Ctx>::children(c);
}

template <class Ctx>
csp::status poll_done(const Ctx& c) {
  std::monostate unit;
  return c.done().try_recv(unit);
}

template <class Impl>
class ContextTest : public ::testing::Test {
 protected:
  using ctx_t = csp::basic_context<typename Impl::template channel<std::monostate>, manual>;
  manual svc;
  ctx_t bg = ctx_t::background(svc);
};

TYPED_TEST_SUITE(ContextTest, csp_test::channel_impls<::testing::Types>);

TYPED_TEST(ContextTest, BackgroundIsNeverDone) {
  const auto& root = this->bg;
  EXPECT_EQ(root.err(), context_error::none);
  EXPECT_EQ(root.deadline(), std::nullopt);
  EXPECT_EQ(poll_done(root), csp::status::empty);
  EXPECT_FALSE(root.get_stop_token().stop_possible());
  auto [child, cancel] = csp::with_cancel(root);
  cancel();
  EXPECT_EQ(root.err(), context_error::none);
  EXPECT_EQ(poll_done(root), csp::status::empty);
}

TYPED_TEST(ContextTest, CancelClosesDoneSetsCanceledAndRequestsStop) {
  auto [ctx, cancel] = csp::with_cancel(this->bg);
  EXPECT_EQ(ctx.err(), context_error::none);
  EXPECT_EQ(poll_done(ctx), csp::status::empty);
  const std::stop_token token = ctx.get_stop_token();
  EXPECT_TRUE(token.stop_possible());
  EXPECT_FALSE(token.stop_requested());

  cancel();
  EXPECT_EQ(ctx.err(), context_error::canceled);
  EXPECT_EQ(poll_done(ctx), csp::status::closed);
  EXPECT_EQ(ctx.done().recv(), std::nullopt);
  for (std::monostate unit : ctx.done()) (void)unit, ADD_FAILURE() << "done() is never sent on";
  EXPECT_TRUE(token.stop_requested());
  EXPECT_TRUE(ctx.get_stop_token().stop_requested());

  cancel();  // idempotent
  auto copy = cancel;
  copy();
  EXPECT_EQ(ctx.err(), context_error::canceled);
  typename TestFixture::ctx_t::cancel_func none;
  none();  // a default-constructed cancel does nothing
}

TYPED_TEST(ContextTest, CancelReachesDescendantsNeverAncestors) {
  auto [a, cancel_a] = csp::with_cancel(this->bg);
  auto [b, cancel_b] = csp::with_cancel(a);
  auto [c, cancel_c] = csp::with_cancel(b);
  auto [d, cancel_d] = csp::with_cancel(a);
  EXPECT_EQ(children(a), 2u);

  cancel_b();
  EXPECT_EQ(b.err(), context_error::canceled);
  EXPECT_EQ(c.err(), context_error::canceled);
  EXPECT_EQ(poll_done(c), csp::status::closed);
  EXPECT_EQ(a.err(), context_error::none);
  EXPECT_EQ(d.err(), context_error::none);
  EXPECT_EQ(children(a), 1u);  // b left a's list (Go's removeFromParent)

  cancel_a();
  EXPECT_EQ(d.err(), context_error::canceled);
  EXPECT_EQ(children(a), 0u);
  EXPECT_EQ(this->bg.err(), context_error::none);
}

TYPED_TEST(ContextTest, AChildOfACanceledParentIsBornCanceled) {
  auto [p, cancel] = csp::with_cancel(this->bg);
  cancel();
  auto [c, cancel_c] = csp::with_cancel(p);
  EXPECT_EQ(c.err(), context_error::canceled);
  EXPECT_EQ(poll_done(c), csp::status::closed);
  EXPECT_TRUE(c.get_stop_token().stop_requested());
  auto [t, cancel_t] = csp::with_timeout(p, 1h);
  EXPECT_EQ(t.err(), context_error::canceled);  // the parent's reason, not deadline_exceeded
  EXPECT_EQ(this->svc.pending(), 0u);
  EXPECT_EQ(children(p), 0u);
}

TYPED_TEST(ContextTest, TheDeadlineCancelsWithDeadlineExceeded) {
  auto [ctx, cancel] = csp::with_timeout(this->bg, 10s);
  auto [child, cancel_child] = csp::with_cancel(ctx);
  EXPECT_EQ(ctx.deadline(), manual::time_point(10s));
  EXPECT_EQ(child.deadline(), manual::time_point(10s));  // inherited
  this->svc.advance(9s);
  EXPECT_EQ(ctx.err(), context_error::none);
  this->svc.advance(1s);
  EXPECT_EQ(ctx.err(), context_error::deadline_exceeded);
  EXPECT_EQ(poll_done(ctx), csp::status::closed);
  EXPECT_EQ(child.err(), context_error::deadline_exceeded);  // the parent's reason
  EXPECT_TRUE(child.get_stop_token().stop_requested());
  cancel();  // after the deadline: changes nothing
  EXPECT_EQ(ctx.err(), context_error::deadline_exceeded);
  EXPECT_EQ(this->svc.pending(), 0u);
}

TYPED_TEST(ContextTest, AnEarlierParentDeadlineIsInherited) {
  auto [p, cancel_p] = csp::with_deadline(this->bg, manual::time_point(5s));
  auto [c, cancel_c] = csp::with_deadline(p, manual::time_point(10s));
  EXPECT_EQ(c.deadline(), manual::time_point(5s));
  EXPECT_EQ(this->svc.pending(), 1u);  // only the parent's timer
  this->svc.advance(5s);
  EXPECT_EQ(c.err(), context_error::deadline_exceeded);
}

TYPED_TEST(ContextTest, AnEarlierChildDeadlineFiresAlone) {
  auto [p, cancel_p] = csp::with_timeout(this->bg, 10s);
  auto [c, cancel_c] = csp::with_timeout(p, 2s);
  EXPECT_EQ(c.deadline(), manual::time_point(2s));
  this->svc.advance(2s);
  EXPECT_EQ(c.err(), context_error::deadline_exceeded);
  EXPECT_EQ(p.err(), context_error::none);
  EXPECT_EQ(children(p), 0u);
  this->svc.advance(8s);
  EXPECT_EQ(p.err(), context_error::deadline_exceeded);
}

TYPED_TEST(ContextTest, APassedDeadlineIsExceededAtOnce) {
  this->svc.advance(1h);
  auto [a, cancel_a] = csp::with_deadline(this->bg, manual::time_point(1s));
  EXPECT_EQ(a.err(), context_error::deadline_exceeded);
  auto [b, cancel_b] = csp::with_timeout(this->bg, 0s);
  EXPECT_EQ(b.err(), context_error::deadline_exceeded);
  auto [c, cancel_c] = csp::with_timeout(this->bg, -1s);
  EXPECT_EQ(c.err(), context_error::deadline_exceeded);
  EXPECT_EQ(this->svc.pending(), 0u);
}

TYPED_TEST(ContextTest, CancelBeforeTheDeadlineDisarmsItsTimer) {
  auto [ctx, cancel] = csp::with_timeout(this->bg, 10s);
  EXPECT_EQ(this->svc.pending(), 1u);
  cancel();
  EXPECT_EQ(this->svc.pending(), 0u);
  this->svc.advance(1h);
  EXPECT_EQ(ctx.err(), context_error::canceled);
}

TYPED_TEST(ContextTest, TimeoutsTooLongForTheClockSaturate) {
  auto [ctx, cancel] = csp::with_timeout(this->bg, std::chrono::hours::max());
  EXPECT_EQ(ctx.deadline(), manual::time_point::max());
  this->svc.advance(24h * 365 * 100);
  EXPECT_EQ(ctx.err(), context_error::none);
}

TYPED_TEST(ContextTest, ChildrenUnlinkOnDestruction) {
  auto [p, cancel_p] = csp::with_cancel(this->bg);
  for (int i = 0; i < 10000; ++i) {
    auto [c, cancel_c] = csp::with_timeout(p, 1s);  // dropped without cancel
    EXPECT_EQ(children(p), 1u);
  }
  EXPECT_EQ(children(p), 0u);
  EXPECT_EQ(this->svc.pending(), 0u);  // and their timers went with them

  std::vector<typename TestFixture::ctx_t> kept;
  for (int i = 0; i < 3; ++i) kept.push_back(csp::with_cancel(p).first);  // cancel dropped
  EXPECT_EQ(children(p), 3u);
  kept.erase(kept.begin() + 1);
  EXPECT_EQ(children(p), 2u);
  cancel_p();
  for (auto& k : kept) EXPECT_EQ(k.err(), context_error::canceled);
}

TYPED_TEST(ContextTest, ACopyIsTheSameContext) {
  auto [ctx, cancel] = csp::with_cancel(this->bg);
  const auto copy = ctx;
  EXPECT_TRUE(copy == ctx);
  EXPECT_FALSE(copy == this->bg);
  EXPECT_TRUE(copy.done() == ctx.done());
  cancel();
  EXPECT_EQ(copy.err(), context_error::canceled);
}

TYPED_TEST(ContextTest, StopCallbacksRunAfterDoneIsClosedAndMayUseTheContext) {
  auto [ctx, cancel] = csp::with_timeout(this->bg, 1s);
  std::optional<typename TestFixture::ctx_t> born;
  int runs = 0;
  std::stop_callback on_stop(ctx.get_stop_token(), [&, c = ctx] {
    ++runs;
    EXPECT_EQ(c.err(), context_error::deadline_exceeded);
    EXPECT_EQ(poll_done(c), csp::status::closed);
    born = csp::with_cancel(c).first;  // takes c's mutex: none may be held here (I5)
  });
  this->svc.advance(1s);  // the deadline runs the callback on this (the firing) thread
  EXPECT_EQ(runs, 1);
  ASSERT_TRUE(born.has_value());
  EXPECT_EQ(born->err(), context_error::deadline_exceeded);
}

TYPED_TEST(ContextTest, WithStopTokenCancelsWhenStopIsRequested) {
  std::stop_source src;
  auto [ctx, cancel] = csp::with_stop_token(this->bg, src.get_token());
  auto [child, cancel_child] = csp::with_cancel(ctx);
  EXPECT_EQ(ctx.err(), context_error::none);
  src.request_stop();
  EXPECT_EQ(ctx.err(), context_error::canceled);
  EXPECT_EQ(child.err(), context_error::canceled);
  EXPECT_EQ(poll_done(child), csp::status::closed);

  auto [born, cancel_born] = csp::with_stop_token(this->bg, src.get_token());
  EXPECT_EQ(born.err(), context_error::canceled);  // already requested: canceled at once

  auto [never, cancel_never] = csp::with_stop_token(this->bg, std::stop_token{});
  EXPECT_EQ(never.err(), context_error::none);  // a token without a source is never requested
}

TYPED_TEST(ContextTest, WithStopTokenOutlivedByItsSource) {
  std::stop_source src;
  {
    auto [ctx, cancel] = csp::with_stop_token(this->bg, src.get_token());
    EXPECT_EQ(ctx.err(), context_error::none);
  }  // the registration ends with the context
  src.request_stop();
  auto [p, cancel_p] = csp::with_cancel(this->bg);
  {
    std::stop_source other;
    auto [ctx, cancel] = csp::with_stop_token(p, other.get_token());
    cancel();  // canceled on its own: the token's later stop changes nothing
    other.request_stop();
    EXPECT_EQ(ctx.err(), context_error::canceled);
  }
  EXPECT_EQ(children(p), 0u);
}

TYPED_TEST(ContextTest, DeepChainCancels) {
  auto [root, cancel] = csp::with_cancel(this->bg);
  std::vector<typename TestFixture::ctx_t> chain{root};
  for (int i = 0; i < 2000; ++i) chain.push_back(csp::with_cancel(chain.back()).first);
  cancel();
  for (const auto& c : chain) ASSERT_EQ(c.err(), context_error::canceled);
  while (!chain.empty()) chain.pop_back();  // leaf first: no deep destruction recursion
}

TYPED_TEST(ContextTest, ConcurrentDeriveAndCancel) {
  for (int round = 0; round < 20; ++round) {
    const auto [p, cancel] = csp::with_cancel(this->bg);
    constexpr int threads = 3;
    std::latch start(threads + 1);
    std::vector<std::vector<typename TestFixture::ctx_t>> made(threads);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t, parent = p] {  // clang 14 cannot capture a structured binding
        start.arrive_and_wait();
        for (int i = 0; i < 100; ++i) {
          auto [c, cancel_c] = csp::with_cancel(parent);
          if (i % 3 == 0) cancel_c();  // canceled on its own, racing the parent
          if (i % 3 != 1) made[static_cast<std::size_t>(t)].push_back(c);  // others destroyed
        }
      });
    }
    start.arrive_and_wait();
    cancel();
    for (auto& th : ts) th.join();
    for (const auto& list : made) {
      for (const auto& c : list) ASSERT_EQ(c.err(), context_error::canceled);
    }
    EXPECT_EQ(children(p), 0u);
  }
}

TYPED_TEST(ContextTest, DeadlinesRacingCancelsAndDestruction) {
  std::atomic<bool> stop{false};
  std::thread clock([&] {
    while (!stop.load()) this->svc.advance(1ms);
  });
  std::vector<std::thread> ts;
  for (int t = 0; t < 3; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        auto [c, cancel] = csp::with_timeout(this->bg, std::chrono::milliseconds(i % 3));
        auto [g, cancel_g] = csp::with_timeout(c, std::chrono::milliseconds(i % 2));
        if ((i + t) % 2 == 0) cancel();
        if (i % 5 == 0) (void)g.done().recv();  // waits for the deadline or the cancel
      }
    });
  }
  for (auto& th : ts) th.join();
  stop = true;
  clock.join();
  EXPECT_EQ(this->svc.pending(), 0u);
}

// --- cross-thread guarantees, on the default context ----------------------------------------

TEST(ContextThreads, CancelHappensBeforeEveryObservation) {
  for (int round = 0; round < 50; ++round) {
    auto [ctx, cancel] = csp::with_cancel(csp::background());
    int payload = 0;  // plain data: ThreadSanitizer checks the edges (C1)
    std::latch ready(4);
    std::vector<std::thread> ts;
    ts.emplace_back([&, c = ctx] {
      ready.arrive_and_wait();
      EXPECT_EQ(c.done().recv(), std::nullopt);
      EXPECT_EQ(payload, 42);
    });
    ts.emplace_back([&, c = ctx] {
      ready.arrive_and_wait();
      while (c.err() == context_error::none) std::this_thread::yield();
      EXPECT_EQ(payload, 42);
    });
    ts.emplace_back([&, c = ctx] {
      const std::stop_token token = c.get_stop_token();
      ready.arrive_and_wait();
      while (!token.stop_requested()) std::this_thread::yield();
      EXPECT_EQ(payload, 42);
    });
    ready.arrive_and_wait();
    payload = 42;
    cancel();
    for (auto& t : ts) t.join();
  }
}

TEST(ContextThreads, ErrAndDoneAgree) {
  for (int round = 0; round < 200; ++round) {
    auto [ctx, cancel] = csp::with_cancel(csp::background());
    std::latch ready(3);
    std::thread by_err([&, c = ctx] {
      ready.arrive_and_wait();
      while (c.err() == context_error::none) std::this_thread::yield();
      EXPECT_EQ(poll_done(c), csp::status::closed);  // err() non-none: done() is closed (C2)
    });
    std::thread by_done([&, c = ctx] {
      ready.arrive_and_wait();
      while (poll_done(c) != csp::status::closed) std::this_thread::yield();
      EXPECT_EQ(c.err(), context_error::canceled);  // done() closed: err() is non-none (C2)
    });
    ready.arrive_and_wait();
    cancel();
    by_err.join();
    by_done.join();
  }
}

// A done() channel whose close() runs test hooks just before and just after it closes: they
// stop the cancelling thread inside the window between publishing the reason and closing.
struct close_hooks {
  static inline std::function<void()> before;
  static inline std::function<void()> after;
};
class hooked_channel : public csp::mutex_based::channel<std::monostate> {
  using base = csp::mutex_based::channel<std::monostate>;

 public:
  using base::base;
  using recv_only = csp::detail::recv_only_view<hooked_channel>;
  void close() const {
    if (close_hooks::before) close_hooks::before();
    base::close();
    if (close_hooks::after) close_hooks::after();
  }
};

using hooked_ctx = csp::basic_context<hooked_channel, manual>;

// Cancels a context while `hook` (one of close_hooks) holds the cancelling thread inside close()
// and `observe(ctx)` runs on another thread. Gives a wrong answer ample time to show, and never
// waits for an observer correctly blocked in err().
template <class Observe>
void cancel_while_observing(std::function<void()>& hook, Observe observe) {
  manual svc;
  auto [ctx, cancel] = csp::with_cancel(hooked_ctx::background(svc));
  std::thread observer;
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  hook = [&, c = ctx] {
    observer = std::thread([&, c] {
      started = true;
      observe(c);
      finished = true;
    });
    while (!started.load()) std::this_thread::yield();
    for (int i = 0; i < 2000 && !finished.load(); ++i) std::this_thread::yield();
  };
  cancel();
  hook = nullptr;
  observer.join();
}

TEST(ContextHooks, ErrDoesNotRunAheadOfDone) {
  cancel_while_observing(close_hooks::before, [](const hooked_ctx& c) {
    if (c.err() != context_error::none) {  // blocks until the close: the reason is not out yet
      EXPECT_EQ(poll_done(c), csp::status::closed);
    }
  });
}

TEST(ContextHooks, DoneDoesNotRunAheadOfErr) {
  cancel_while_observing(close_hooks::after, [](const hooked_ctx& c) {
    EXPECT_EQ(poll_done(c), csp::status::closed);  // closed already...
    EXPECT_EQ(c.err(), context_error::canceled);   // ...so err() cannot say none
  });
}

TEST(ContextThreads, JthreadStopCancelsTheWorkersContext) {
  std::atomic<context_error> seen{context_error::none};
  {
    std::jthread worker([&](std::stop_token st) {
      auto [ctx, cancel] = csp::with_stop_token(csp::background(), st);
      EXPECT_EQ(ctx.done().recv(), std::nullopt);  // until the jthread is asked to stop
      seen = ctx.err();
    });
  }  // ~jthread: request_stop(), join()
  EXPECT_EQ(seen.load(), context_error::canceled);
}

TEST(ContextRealClock, WithTimeoutCancelsNoSoonerThanTheDeadline) {
  const auto t0 = std::chrono::steady_clock::now();
  auto [ctx, cancel] = csp::with_timeout(csp::background(), 20ms);
  ASSERT_TRUE(ctx.deadline().has_value());
  EXPECT_GE(*ctx.deadline(), t0 + 20ms);
  std::monostate unit;
  EXPECT_EQ(ctx.done().try_recv_for(unit, generous), csp::status::closed);
  EXPECT_GE(std::chrono::steady_clock::now(), t0 + 20ms);  // a lower bound only
  EXPECT_EQ(ctx.err(), context_error::deadline_exceeded);
  EXPECT_STREQ(csp::to_string(ctx.err()), "context deadline exceeded");
}

TEST(ContextRealClock, ShortDeadlinesRaceDestruction) {
  std::vector<std::thread> ts;
  for (int t = 0; t < 3; ++t) {
    ts.emplace_back([t] {
      for (int i = 0; i < 500; ++i) {
        auto [c, cancel] = csp::with_timeout(csp::background(), std::chrono::microseconds(i % 7));
        if ((i + t) % 4 == 0) cancel();
        if (i % 50 == 0) {
          std::monostate unit;
          EXPECT_EQ(c.done().try_recv_for(unit, generous), csp::status::closed);
        }
      }  // most are destroyed while their timer is due or running
    });
  }
  for (auto& th : ts) th.join();
}

}  // namespace
