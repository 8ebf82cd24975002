// wait_group: add/done/wait cycles of both implementations beside std::latch.
//
//   cycle/<impl>        one thread: add(1), done(), wait() — the uncontended cost of a cycle
//   fan_in/<impl>/W     W persistent worker threads each call done() once per cycle; the main
//                       thread add(W)s, releases them, and wait()s — the cross-thread cost,
//                       dominated by how the waiter learns of the last done()
// std::latch is single-use, so its rows construct one latch per cycle (what a user would do).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <latch>
#include <thread>
#include <vector>

#include "csp/wait_group.hpp"

namespace {

template <class WG>
void cycle(benchmark::State& state) {
  WG wg;
  for (auto _ : state) {
    wg.add(1);
    wg.done();
    wg.wait();
  }
}

void cycle_latch(benchmark::State& state) {
  for (auto _ : state) {
    std::latch l(1);
    l.count_down();
    l.wait();
  }
}

// Workers spin (with a pause, then yield) on a generation counter, so the measurement is the
// wait group's own hand-off, not the cost of waking the workers.
class crew {
 public:
  template <class OnRelease>
  crew(int n, OnRelease on_release) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, on_release] {
        std::uint64_t seen = 0;
        for (;;) {
          std::uint64_t g;
          for (int spins = 0; (g = generation_.load(std::memory_order_acquire)) == seen; ++spins) {
            if (spins > 64) std::this_thread::yield();
          }
          if (g == stop) return;
          seen = g;
          on_release();
        }
      });
    }
  }
  ~crew() {
    generation_.store(stop, std::memory_order_release);
    for (auto& t : threads_) t.join();
  }
  void release() { generation_.fetch_add(1, std::memory_order_release); }

 private:
  static constexpr std::uint64_t stop = ~std::uint64_t{0};
  std::atomic<std::uint64_t> generation_{0};
  std::vector<std::thread> threads_;
};

template <class WG>
void fan_in(benchmark::State& state) {
  const auto workers = static_cast<int>(state.range(0));
  WG wg;
  crew c(workers, [&wg] { wg.done(); });
  for (auto _ : state) {
    wg.add(workers);
    c.release();
    wg.wait();
  }
}

void fan_in_latch(benchmark::State& state) {
  const auto workers = static_cast<int>(state.range(0));
  std::atomic<std::latch*> current{nullptr};
  crew c(workers, [&current] { current.load(std::memory_order_acquire)->count_down(); });
  for (auto _ : state) {
    std::latch l(workers);
    current.store(&l, std::memory_order_release);
    c.release();
    l.wait();
  }
}

BENCHMARK_TEMPLATE(cycle, csp::lock_free::wait_group)->Name("cycle/lock_free");
BENCHMARK_TEMPLATE(cycle, csp::mutex_based::wait_group)->Name("cycle/mutex_based");
BENCHMARK(cycle_latch)->Name("cycle/std::latch");
BENCHMARK_TEMPLATE(fan_in, csp::lock_free::wait_group)
    ->Name("fan_in/lock_free")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime();
BENCHMARK_TEMPLATE(fan_in, csp::mutex_based::wait_group)
    ->Name("fan_in/mutex_based")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime();
BENCHMARK(fan_in_latch)->Name("fan_in/std::latch")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
