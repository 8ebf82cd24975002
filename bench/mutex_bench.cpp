// mutex: lock/unlock pairs of both implementations beside std::mutex.
//
//   uncontended/<impl>   one thread: lock(), unlock() — two atomic instructions for the futex
//                        lock, no system call
//   contended/<impl>/T   T threads (2 on the project's 2-core machine) each in a loop of
//                        lock(), a short critical section (a shared counter), unlock(); real
//                        time per lock/unlock pair of one thread
#include <benchmark/benchmark.h>

#include <mutex>

#include "csp/mutex.hpp"

namespace {

template <class M>
void uncontended(benchmark::State& state) {
  M m;
  for (auto _ : state) {
    m.lock();
    benchmark::ClobberMemory();
    m.unlock();
  }
}

template <class M>
struct shared_state {
  static inline M m;
  static inline long counter = 0;
};

template <class M>
void contended(benchmark::State& state) {
  using s = shared_state<M>;
  for (auto _ : state) {
    std::lock_guard<M> lk(s::m);
    ++s::counter;
    benchmark::DoNotOptimize(s::counter);
  }
}

BENCHMARK_TEMPLATE(uncontended, csp::lock_free::mutex)->Name("uncontended/lock_free");
BENCHMARK_TEMPLATE(uncontended, csp::mutex_based::mutex)->Name("uncontended/mutex_based");
BENCHMARK_TEMPLATE(uncontended, std::mutex)->Name("uncontended/std::mutex");
BENCHMARK_TEMPLATE(contended, csp::lock_free::mutex)
    ->Name("contended/lock_free")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(contended, csp::mutex_based::mutex)
    ->Name("contended/mutex_based")
    ->Threads(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(contended, std::mutex)->Name("contended/std::mutex")->Threads(2)->UseRealTime();

}  // namespace

// main(): multithreaded_main.cpp.
