// Typed GoogleTest suite: every mutex behaviour, one body, run over both implementations.
// Threads are ordered with latches and handshakes; no test sleeps.
#include "csp/mutex.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

// Both mutex types are constinit with the standard backend, like std::mutex.
constinit csp::mutex static_mutex;
constinit csp::mutex_based::mutex static_mutex_based_mutex;

template <class M>
class MutexTest : public ::testing::Test {};

using Implementations = ::testing::Types<csp::lock_free::mutex, csp::mutex_based::mutex>;
TYPED_TEST_SUITE(MutexTest, Implementations);

TYPED_TEST(MutexTest, LockUnlockAndTryLockOnAFreeMutex) {
  TypeParam m;
  m.lock();
  m.unlock();
  ASSERT_TRUE(m.try_lock());
  m.unlock();
  m.lock();
  m.unlock();
}

TYPED_TEST(MutexTest, TryLockFailsWithoutBlockingWhileAnotherThreadHoldsIt) {
  TypeParam m;
  m.lock();
  std::thread other([&] {
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(m.try_lock());
  });
  other.join();  // returned: try_lock never blocked
  m.unlock();
  std::thread again([&] {
    ASSERT_TRUE(m.try_lock());
    m.unlock();
  });
  again.join();
}

TYPED_TEST(MutexTest, UnlockReleasesABlockedLocker) {
  TypeParam m;
  int data = 0;  // plain: the unlock must publish it
  m.lock();
  std::latch locker_started(1);
  std::atomic<bool> acquired{false};
  std::thread locker([&] {
    locker_started.count_down();
    m.lock();  // blocks (spins, then parks) until the main thread unlocks
    acquired = true;
    EXPECT_EQ(data, 42);
    m.unlock();
  });
  locker_started.wait();
  data = 42;
  EXPECT_FALSE(acquired.load());
  m.unlock();
  locker.join();
  EXPECT_TRUE(acquired.load());
}

TYPED_TEST(MutexTest, MutualExclusionUnderContention) {
  constexpr int threads_n = 4;
  constexpr int per_thread = 20'000;
  TypeParam m;
  long counter = 0;  // plain: TSan checks that every increment is ordered
  int inside = 0;
  int overlaps = 0;
  std::latch start(threads_n);
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < per_thread; ++i) {
        m.lock();
        if (++inside != 1) ++overlaps;
        ++counter;
        --inside;
        m.unlock();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, long{threads_n} * per_thread);
  EXPECT_EQ(overlaps, 0);
}

TYPED_TEST(MutexTest, TryLockLoopsAlsoExclude) {
  constexpr int threads_n = 3;
  constexpr int per_thread = 5'000;
  TypeParam m;
  long counter = 0;
  std::latch start(threads_n);
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < per_thread; ++i) {
        if (t == 0) {
          m.lock();
        } else {
          while (!m.try_lock()) std::this_thread::yield();
        }
        ++counter;
        m.unlock();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, long{threads_n} * per_thread);
}

TYPED_TEST(MutexTest, WorksWithTheStandardLockTypes) {
  TypeParam a;
  TypeParam b;
  {
    std::lock_guard<TypeParam> lk(a);
    std::thread([&] {
      std::unique_lock<TypeParam> u(a, std::try_to_lock);
      EXPECT_FALSE(u.owns_lock());
    }).join();
  }
  {
    std::unique_lock<TypeParam> lk(a);
    EXPECT_TRUE(lk.owns_lock());
    lk.unlock();
    EXPECT_TRUE(lk.try_lock());
  }
  // std::scoped_lock over two mutexes, taken in opposite orders by two threads: std::lock's
  // deadlock avoidance needs try_lock to work.
  constexpr int rounds = 2'000;
  int shared = 0;
  std::latch start(2);
  std::thread t1([&] {
    start.arrive_and_wait();
    for (int i = 0; i < rounds; ++i) {
      std::scoped_lock lk(a, b);
      ++shared;
    }
  });
  std::thread t2([&] {
    start.arrive_and_wait();
    for (int i = 0; i < rounds; ++i) {
      std::scoped_lock lk(b, a);
      ++shared;
    }
  });
  t1.join();
  t2.join();
  EXPECT_EQ(shared, 2 * rounds);
}

TYPED_TEST(MutexTest, HandOffAcrossManyThreadsInTurn) {
  // Each thread waits for its turn under the lock; the turn counter is plain data, so every
  // hand-off relies on unlock -> lock ordering.
  constexpr int threads_n = 4;
  constexpr int rounds = 200;
  TypeParam m;
  int turn = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        for (;;) {
          {
            std::lock_guard<TypeParam> lk(m);
            if (turn % threads_n == t) {
              ++turn;
              break;
            }
          }
          std::this_thread::yield();  // not this thread's turn: let the others run
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(turn, threads_n * rounds);
}

TYPED_TEST(MutexTest, DestroyableOnceUnlocked) {
  // As with std::mutex: a thread that locked and unlocked it may destroy it even while the
  // previous owner's unlock() is still inside its wake-up call (ASan checks). The main thread
  // often parks in lock() here, so the other thread's unlock() wakes it.
  for (int round = 0; round < 300; ++round) {
    auto m = std::make_unique<TypeParam>();
    std::latch held(1);
    std::latch main_locking(1);
    std::thread owner([&held, &main_locking, p = m.get()] {
      p->lock();
      held.count_down();
      main_locking.wait();
      p->unlock();
    });
    held.wait();
    main_locking.count_down();
    m->lock();
    m->unlock();
    m.reset();
    owner.join();
  }
}

TEST(MutexStaticTest, ConstinitMutexesWork) {
  static_assert(std::is_same_v<csp::mutex, csp::lock_free::mutex>);
  { std::scoped_lock lk(static_mutex, static_mutex_based_mutex); }
  EXPECT_TRUE(static_mutex.try_lock());
  static_mutex.unlock();
}

}  // namespace
