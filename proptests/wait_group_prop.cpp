// RapidCheck properties of both wait_group implementations.
//
//  * sequential: any script of add(delta) calls agrees with the plain model "counter >= 0;
//    an add that would go negative throws and changes nothing", step by step, and the final
//    counter is pinned exactly;
//  * concurrent: generated per-thread scripts of add/done run on real threads while several
//    waiters wait; a wait() returns only once every script has finished (the counter was zero).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <thread>
#include <vector>

#include "csp/wait_group.hpp"
#include <rapidcheck.h>

namespace {

using namespace std::chrono_literals;

template <class WG>
void sequential_script_matches_the_model(const std::vector<int>& deltas) {
  WG wg;
  std::ptrdiff_t model = 0;
  for (const int d : deltas) {
    if (model + d < 0) {
      RC_ASSERT_THROWS_AS(wg.add(d), csp::wait_group_error);
    } else {
      wg.add(d);
      model += d;
    }
    RC_ASSERT(wg.wait_for(0ms) == (model == 0));
  }
  // Pin the counter: one more than it is must throw, exactly it must succeed.
  RC_ASSERT_THROWS_AS(wg.add(-(model + 1)), csp::wait_group_error);
  wg.add(-model);
  RC_ASSERT(wg.wait_for(0ms));
}

template <class WG>
void waits_return_only_at_zero(const std::vector<std::vector<int>>& scripts, int waiters) {
  WG wg;
  const auto workers = static_cast<std::ptrdiff_t>(scripts.size());
  wg.add(workers);  // each worker holds one until its script has finished
  std::atomic<std::ptrdiff_t> finished{0};
  std::atomic<bool> early{false};
  std::latch start(workers + waiters);

  std::vector<std::thread> threads;
  for (int w = 0; w < waiters; ++w) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      wg.wait();
      if (finished.load() != workers) early = true;
    });
  }
  for (const auto& adds : scripts) {
    threads.emplace_back([&wg, &finished, &start, &adds] {
      start.arrive_and_wait();
      for (const int k : adds) {
        wg.add(k);
        for (int i = 0; i < k; ++i) wg.done();
      }
      ++finished;
      wg.done();  // release this worker's hold
    });
  }
  for (auto& t : threads) t.join();
  RC_ASSERT(!early.load());
  RC_ASSERT(wg.wait_for(0ms));
}

const auto small_deltas = [] {
  return rc::gen::container<std::vector<int>>(rc::gen::inRange(-4, 5));
};
const auto scripts = [] {
  return rc::gen::resize(8, rc::gen::nonEmpty(rc::gen::container<std::vector<std::vector<int>>>(
                                rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 4)))));
};

RC_GTEST_PROP(WaitGroupProp, LockFreeSequentialScriptMatchesModel, ()) {
  sequential_script_matches_the_model<csp::lock_free::wait_group>(*small_deltas());
}
RC_GTEST_PROP(WaitGroupProp, MutexBasedSequentialScriptMatchesModel, ()) {
  sequential_script_matches_the_model<csp::mutex_based::wait_group>(*small_deltas());
}
RC_GTEST_PROP(WaitGroupProp, LockFreeWaitReturnsOnlyAtZero, ()) {
  waits_return_only_at_zero<csp::lock_free::wait_group>(*scripts(), *rc::gen::inRange(1, 4));
}
RC_GTEST_PROP(WaitGroupProp, MutexBasedWaitReturnsOnlyAtZero, ()) {
  waits_return_only_at_zero<csp::mutex_based::wait_group>(*scripts(), *rc::gen::inRange(1, 4));
}

}  // namespace
