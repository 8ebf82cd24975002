// RapidCheck properties of both once implementations.
//
//  * sequential: any script of calls, each with its function's outcome (throw or return),
//    agrees with the plain model "the first call whose function returns completes the once;
//    every call before it that throws propagates; every call after it runs nothing";
//  * concurrent: random numbers of callers, each making a random number of calls, race on one
//    once whose attempts throw according to a random pattern (attempt k throws iff pattern[k]).
//    Attempts are serialized by the once, so the outcome is exact whatever the interleaving:
//    the function completes exactly once if there were enough calls to get past the failures
//    (and never otherwise), exactly that many exceptions reach callers, and every call that
//    returns normally sees the completed value.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <thread>
#include <vector>

#include "csp/once.hpp"
#include <rapidcheck.h>

namespace {

struct attempt_failed : std::runtime_error {
  attempt_failed() : std::runtime_error("attempt failed") {}
};

template <class Once>
void sequential_script_matches_the_model(const std::vector<bool>& throws) {
  Once o;
  bool model_done = false;
  int runs = 0;
  for (const bool t : throws) {
    const int runs_before = runs;
    const auto f = [&] {
      ++runs;
      if (t) throw attempt_failed();
    };
    if (!model_done && t) {
      RC_ASSERT_THROWS_AS(o.call(f), attempt_failed);
      RC_ASSERT(runs == runs_before + 1);
    } else {
      o.call(f);
      RC_ASSERT(runs == runs_before + (model_done ? 0 : 1));
      model_done = true;
    }
    RC_ASSERT(o.done() == model_done);
  }
}

// A start line that yields while it waits (a busy spin on 2 cores slows the run ~200x).
class start_line {
 public:
  explicit start_line(int n) : left_(n) {}
  void arrive_and_wait() {
    left_.fetch_sub(1);
    while (left_.load() > 0) std::this_thread::yield();
  }

 private:
  std::atomic<int> left_;
};

template <class Once>
void completes_exactly_once(const std::vector<int>& calls_per_thread,
                            const std::vector<bool>& pattern) {
  Once o;
  std::atomic<std::size_t> attempts{0};
  std::atomic<int> completions{0};
  std::atomic<int> exceptions{0};
  std::atomic<int> unordered{0};
  int value = 0;  // plain: written by the completing attempt, read by every normal return
  const auto f = [&] {
    const std::size_t k = attempts.fetch_add(1);
    if (k < pattern.size() && pattern[k]) throw attempt_failed();
    value = 42;
    ++completions;
  };

  start_line start(static_cast<int>(calls_per_thread.size()));
  std::vector<std::thread> threads;
  for (const int calls : calls_per_thread) {
    threads.emplace_back([&, calls] {
      start.arrive_and_wait();
      for (int c = 0; c < calls; ++c) {
        try {
          o.call(f);
          if (value != 42) ++unordered;
        } catch (const attempt_failed&) {
          ++exceptions;
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  int total_calls = 0;
  for (const int c : calls_per_thread) total_calls += c;
  const auto leading = std::find(pattern.begin(), pattern.end(), false) - pattern.begin();
  const int failures = static_cast<int>(leading);  // attempts that throw before one succeeds
  const bool enough = total_calls > failures;
  RC_ASSERT(completions.load() == (enough ? 1 : 0));
  RC_ASSERT(exceptions.load() == std::min(total_calls, failures));
  RC_ASSERT(attempts.load() == static_cast<std::size_t>(std::min(total_calls, failures + 1)));
  RC_ASSERT(unordered.load() == 0);
  RC_ASSERT(o.done() == enough);
}

const auto callers = [] {
  return rc::gen::resize(
      6, rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(rc::gen::inRange(1, 4))));
};
const auto throw_pattern = [] {
  return rc::gen::resize(8, rc::gen::container<std::vector<bool>>(rc::gen::arbitrary<bool>()));
};

RC_GTEST_PROP(OnceProp, LockFreeSequentialScriptMatchesModel, (const std::vector<bool>& t)) {
  sequential_script_matches_the_model<csp::lock_free::once>(t);
}
RC_GTEST_PROP(OnceProp, MutexBasedSequentialScriptMatchesModel, (const std::vector<bool>& t)) {
  sequential_script_matches_the_model<csp::mutex_based::once>(t);
}
RC_GTEST_PROP(OnceProp, LockFreeCompletesExactlyOnce, ()) {
  completes_exactly_once<csp::lock_free::once>(*callers(), *throw_pattern());
}
RC_GTEST_PROP(OnceProp, MutexBasedCompletesExactlyOnce, ()) {
  completes_exactly_once<csp::mutex_based::once>(*callers(), *throw_pattern());
}

}  // namespace
