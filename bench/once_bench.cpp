// once: the fast path of a done once beside a function-local static and std::call_once.
//
//   done/<impl>            call() on a once that is already done: the cost every caller pays
//                          after the first — one acquire load and a compare for the lock-free
//                          once (the target: within 1.2x of a function-local static)
//   instance/<impl>        reading a value through it: a function-local static (the C++ magic
//                          static, whose guard check is the same kind of acquire load),
//                          csp::singleton<T>::instance() and csp::lazy<T>::get()
//   first_call/<impl>      a fresh once per iteration, called once: construction + the slow path
//                          (mostly what it costs to claim and publish)
#include <benchmark/benchmark.h>

#include <mutex>

#include "csp/once.hpp"

namespace {

struct widget {
  int value = 42;
};

[[gnu::noinline]] void work() {
  benchmark::ClobberMemory();
}

template <class Once>
void done_once(benchmark::State& state) {
  Once o;
  o.call(work);
  for (auto _ : state) {
    o.call(work);
    benchmark::ClobberMemory();
  }
}

void done_call_once(benchmark::State& state) {
  std::once_flag flag;
  std::call_once(flag, work);
  for (auto _ : state) {
    std::call_once(flag, work);
    benchmark::ClobberMemory();
  }
}

void done_local_static(benchmark::State& state) {
  for (auto _ : state) {
    static const bool initialized = (work(), true);
    benchmark::DoNotOptimize(initialized);
    benchmark::ClobberMemory();
  }
}

widget& local_static_widget() {
  static widget w;
  return w;
}

void instance_local_static(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(local_static_widget().value);
    benchmark::ClobberMemory();
  }
}

template <class Once>
void instance_singleton(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(csp::singleton<widget, Once>::instance().value);
    benchmark::ClobberMemory();
  }
}

template <class Once>
void instance_lazy(benchmark::State& state) {
  csp::lazy<widget, Once> w([] { return widget{}; });
  for (auto _ : state) {
    benchmark::DoNotOptimize(w->value);
    benchmark::ClobberMemory();
  }
}

template <class Once>
void first_call(benchmark::State& state) {
  for (auto _ : state) {
    Once o;
    o.call(work);
    benchmark::DoNotOptimize(o);
  }
}

void first_call_once(benchmark::State& state) {
  for (auto _ : state) {
    std::once_flag flag;
    std::call_once(flag, work);
    benchmark::DoNotOptimize(flag);
  }
}

BENCHMARK(done_local_static)->Name("done/function_local_static");
BENCHMARK_TEMPLATE(done_once, csp::lock_free::once)->Name("done/lock_free");
BENCHMARK_TEMPLATE(done_once, csp::mutex_based::once)->Name("done/mutex_based");
BENCHMARK(done_call_once)->Name("done/std::call_once");
BENCHMARK(instance_local_static)->Name("instance/function_local_static");
BENCHMARK_TEMPLATE(instance_singleton, csp::lock_free::once)->Name("instance/singleton<lock_free>");
BENCHMARK_TEMPLATE(instance_singleton, csp::mutex_based::once)
    ->Name("instance/singleton<mutex_based>");
BENCHMARK_TEMPLATE(instance_lazy, csp::lock_free::once)->Name("instance/lazy<lock_free>");
BENCHMARK_TEMPLATE(instance_lazy, csp::mutex_based::once)->Name("instance/lazy<mutex_based>");
BENCHMARK_TEMPLATE(first_call, csp::lock_free::once)->Name("first_call/lock_free");
BENCHMARK_TEMPLATE(first_call, csp::mutex_based::once)->Name("first_call/mutex_based");
BENCHMARK(first_call_once)->Name("first_call/std::call_once");

}  // namespace

// main(): multithreaded_main.cpp.
