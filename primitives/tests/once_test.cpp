// Typed GoogleTest suites: every once behaviour, one body, run over both implementations; and
// lazy<T> and singleton<T> over both once types. Threads are ordered with latches and
// handshakes; no test sleeps.
#include "csp/once.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

// Both once types are constinit with the standard backend: a once with static storage needs no
// dynamic initialization (and so cannot be used before it is initialized).
constinit csp::lock_free::once static_lock_free_once;
constinit csp::mutex_based::once static_mutex_based_once;

template <class Once>
class OnceTest : public ::testing::Test {};

using Implementations = ::testing::Types<csp::lock_free::once, csp::mutex_based::once>;
TYPED_TEST_SUITE(OnceTest, Implementations);

TYPED_TEST(OnceTest, RunsTheFunctionOnce) {
  TypeParam o;
  int runs = 0;
  EXPECT_FALSE(o.done());
  o.call([&] { ++runs; });
  EXPECT_TRUE(o.done());
  o.call([&] { ++runs; });
  o.call([] { FAIL() << "a second function must not run"; });
  EXPECT_EQ(runs, 1);
}

TYPED_TEST(OnceTest, ForwardsArgumentsIncludingMoveOnlyOnes) {
  TypeParam o;
  int out = 0;
  o.call([&out](std::unique_ptr<int> p, int k) { out = *p + k; }, std::make_unique<int>(40), 2);
  EXPECT_EQ(out, 42);
  auto untouched = std::make_unique<int>(1);
  o.call([](std::unique_ptr<int>) {}, std::move(untouched));  // not run: nothing is moved from
  EXPECT_NE(untouched, nullptr);
}

TYPED_TEST(OnceTest, InvokesMemberFunctionsLikeStdInvoke) {
  struct counter {
    int n = 0;
    void bump(int by) { n += by; }
  } c;
  TypeParam o;
  o.call(&counter::bump, &c, 3);
  EXPECT_EQ(c.n, 3);
}

TYPED_TEST(OnceTest, AnExceptionReachesTheCallerAndTheNextCallRetries) {
  TypeParam o;
  int attempts = 0;
  const auto fail_first = [&] {
    if (++attempts == 1) throw std::runtime_error("first attempt");
  };
  EXPECT_THROW(o.call(fail_first), std::runtime_error);
  EXPECT_FALSE(o.done());
  o.call(fail_first);
  EXPECT_TRUE(o.done());
  o.call(fail_first);
  EXPECT_EQ(attempts, 2);
}

TYPED_TEST(OnceTest, ConstinitOnceWorks) {
  int runs = 0;
  if constexpr (std::is_same_v<TypeParam, csp::lock_free::once>) {
    static_lock_free_once.call([&] { ++runs; });
    static_lock_free_once.call([&] { ++runs; });
    EXPECT_TRUE(static_lock_free_once.done());
  } else {
    static_mutex_based_once.call([&] { ++runs; });
    static_mutex_based_once.call([&] { ++runs; });
    EXPECT_TRUE(static_mutex_based_once.done());
  }
  EXPECT_EQ(runs, 1);
}

TYPED_TEST(OnceTest, ConcurrentCallersWaitForTheRunnerAndSeeItsEffects) {
  constexpr int callers = 8;
  TypeParam o;
  std::vector<int> table;  // plain data: TSan checks the happens-before edge
  std::latch f_started(1);
  std::latch others_started(callers);
  std::atomic<int> runs{0};
  std::atomic<bool> f_finished{false};
  const auto f = [&] {
    ++runs;
    f_started.count_down();
    others_started.wait();  // f is still running while every other caller starts calling
    table.assign(100, 7);
    f_finished = true;
  };
  std::thread runner([&] { o.call(f); });
  f_started.wait();
  std::vector<std::thread> threads;
  std::atomic<int> early{0};
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&] {
      others_started.count_down();
      o.call(f);
      if (!f_finished.load()) ++early;
      if (table.size() != 100 || table[99] != 7) ++early;
    });
  }
  for (auto& t : threads) t.join();
  runner.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(early.load(), 0);
}

TYPED_TEST(OnceTest, AThrowWakesTheWaitingCallersAndOneOfThemRetries) {
  constexpr int callers = 6;
  TypeParam o;
  std::latch first_started(1);
  std::latch others_started(callers);
  std::atomic<int> attempts{0};
  std::atomic<int> threw{0};
  std::string value;  // plain data: written by the successful attempt only
  const auto f = [&] {
    if (attempts.fetch_add(1) == 0) {
      first_started.count_down();
      others_started.wait();
      throw std::runtime_error("first attempt");
    }
    value = "built";
  };
  const auto caller = [&] {
    try {
      o.call(f);
    } catch (const std::runtime_error&) {
      ++threw;
      o.call(f);  // the caller that saw the failure calls again, like everyone else
    }
    EXPECT_EQ(value, "built");
  };
  std::thread first(caller);
  first_started.wait();
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&] {
      others_started.count_down();
      caller();
    });
  }
  for (auto& t : threads) t.join();
  first.join();
  EXPECT_EQ(threw.load(), 1);
  EXPECT_EQ(attempts.load(), 2);
  EXPECT_TRUE(o.done());
}

TYPED_TEST(OnceTest, ManyRoundsOfRacingCallers) {
  // Fresh onces raced by a few threads each round: exactly one run per once.
  constexpr int rounds = 300;
  constexpr int threads_n = 4;
  for (int round = 0; round < rounds; ++round) {
    TypeParam o;
    int runs = 0;  // plain: every caller reads it after call() returns
    std::latch start(threads_n);
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < threads_n; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        o.call([&] { ++runs; });
        if (runs != 1) ++wrong;
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(runs, 1);
    ASSERT_EQ(wrong.load(), 0);
  }
}

TEST(LockFreeOnceTest, DestroyableAsSoonAsTheOtherCallersReturn) {
  // The runner's exchange to done is its last access to the once: a caller woken by it may
  // destroy the object while the runner is still inside notify_all() (ASan checks).
  for (int round = 0; round < 300; ++round) {
    auto o = std::make_unique<csp::lock_free::once>();
    std::latch f_started(1);
    std::latch waiter_started(1);
    std::thread runner([&f_started, &waiter_started, p = o.get()] {
      p->call([&] {
        f_started.count_down();
        waiter_started.wait();
      });
    });
    f_started.wait();
    waiter_started.count_down();
    o->call([] {});  // parks (or finds it done), returns once the runner published done
    o.reset();
    runner.join();
  }
}

// lazy<T> over both once types.
template <class Once>
class LazyTest : public ::testing::Test {};
TYPED_TEST_SUITE(LazyTest, Implementations);

struct tracked {
  static inline std::atomic<int> alive{0};
  explicit tracked(int v) : value(v) { ++alive; }
  tracked(const tracked&) = delete;
  tracked& operator=(const tracked&) = delete;
  ~tracked() { --alive; }
  int value;
  std::mutex not_movable;
};

TYPED_TEST(LazyTest, BuildsOnFirstUseOnly) {
  int builds = 0;
  csp::lazy<int, TypeParam> v([&] {
    ++builds;
    return 42;
  });
  EXPECT_EQ(builds, 0);
  EXPECT_FALSE(v.ready());
  EXPECT_EQ(v.get(), 42);
  EXPECT_EQ(*v, 42);
  EXPECT_TRUE(v.ready());
  EXPECT_EQ(builds, 1);
}

TYPED_TEST(LazyTest, AccessorsReachTheSameValue) {
  csp::lazy<std::string, TypeParam> s([] { return std::string("gopher"); });
  EXPECT_EQ(s->size(), 6u);
  s->append("!");
  EXPECT_EQ(*s, "gopher!");
  const auto& cs = s;
  EXPECT_EQ(cs.get(), "gopher!");
  EXPECT_EQ(&cs.get(), &s.get());
}

TYPED_TEST(LazyTest, HoldsNonMovableValuesAndDestroysThemOnlyIfBuilt) {
  tracked::alive = 0;
  {
    csp::lazy<tracked, TypeParam> never([] { return tracked(1); });
    EXPECT_EQ(tracked::alive.load(), 0);
  }
  EXPECT_EQ(tracked::alive.load(), 0);
  {
    csp::lazy<tracked, TypeParam> built([] { return tracked(2); });
    EXPECT_EQ(built->value, 2);
    EXPECT_EQ(tracked::alive.load(), 1);
  }
  EXPECT_EQ(tracked::alive.load(), 0);
}

TYPED_TEST(LazyTest, AThrowingInitIsRetriedByTheNextUse) {
  int attempts = 0;
  csp::lazy<int, TypeParam> v([&] {
    if (++attempts == 1) throw std::runtime_error("not yet");
    return 7;
  });
  EXPECT_THROW((void)v.get(), std::runtime_error);
  EXPECT_FALSE(v.ready());
  EXPECT_EQ(*v, 7);
  EXPECT_EQ(attempts, 2);
}

TYPED_TEST(LazyTest, ReleasesInitOnceTheValueIsBuilt) {
  auto captured = std::make_shared<int>(5);
  std::weak_ptr<int> watch = captured;
  csp::lazy<int, TypeParam> v([c = std::move(captured)] { return *c; });
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(*v, 5);
  EXPECT_TRUE(watch.expired());  // as Go's OnceValue drops f
}

TYPED_TEST(LazyTest, ConcurrentFirstUsesBuildOnceAndSeeTheWholeValue) {
  constexpr int threads_n = 8;
  for (int round = 0; round < 100; ++round) {
    std::atomic<int> builds{0};
    csp::lazy<std::vector<int>, TypeParam> v([&] {
      ++builds;
      return std::vector<int>(64, round);
    });
    std::latch start(threads_n);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_n; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        const std::vector<int>& got = *v;
        if (got.size() != 64 || got[63] != round) ++wrong;
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(builds.load(), 1);
    ASSERT_EQ(wrong.load(), 0);
  }
}

// singleton<T> over both once types. Each test uses its own T: one instance per process.
template <class Once>
class SingletonTest : public ::testing::Test {};
TYPED_TEST_SUITE(SingletonTest, Implementations);

template <class Once, int Tag>
struct registry {
  static inline std::atomic<int> constructed{0};
  registry() { ++constructed; }
  std::vector<std::string> names{"first"};
  std::mutex not_movable;
};

TYPED_TEST(SingletonTest, BuiltOnFirstUseAndTheSameEverywhere) {
  using reg = registry<TypeParam, 1>;
  using single = csp::singleton<reg, TypeParam>;
  EXPECT_EQ(reg::constructed.load(), 0);
  EXPECT_FALSE(single::ready());
  reg& a = single::instance();
  EXPECT_TRUE(single::ready());
  EXPECT_EQ(reg::constructed.load(), 1);
  a.names.push_back("second");
  EXPECT_EQ(&single::instance(), &a);
  EXPECT_EQ(single::instance().names.size(), 2u);
  EXPECT_EQ(reg::constructed.load(), 1);
}

TYPED_TEST(SingletonTest, ConcurrentFirstCallsBuildOneInstance) {
  using reg = registry<TypeParam, 2>;
  using single = csp::singleton<reg, TypeParam>;
  constexpr int threads_n = 8;
  std::latch start(threads_n);
  std::vector<reg*> seen(threads_n, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      reg& r = single::instance();
      EXPECT_EQ(r.names.at(0), "first");  // the constructor's writes are visible
      seen[static_cast<size_t>(t)] = &r;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(reg::constructed.load(), 1);
  for (reg* p : seen) EXPECT_EQ(p, seen[0]);
}

template <int Tag>
struct fragile {
  static inline int attempts = 0;
  fragile() {
    if (++attempts == 1) throw std::runtime_error("first construction fails");
  }
};

TYPED_TEST(SingletonTest, AThrowingConstructorIsRetriedByTheNextCall) {
  using single =
      csp::singleton<fragile<std::is_same_v<TypeParam, csp::lock_free::once>>, TypeParam>;
  EXPECT_THROW((void)single::instance(), std::runtime_error);
  EXPECT_FALSE(single::ready());
  (void)single::instance();
  EXPECT_TRUE(single::ready());
}

TEST(SingletonDefaultTest, UsesTheLockFreeOnce) {
  static_assert(std::is_same_v<csp::once, csp::lock_free::once>);
  static_assert(std::is_same_v<csp::lazy<int>::once_type, csp::once>);
  EXPECT_EQ(&csp::singleton<std::string>::instance(), &csp::singleton<std::string>::instance());
}

}  // namespace
