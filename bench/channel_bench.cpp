// channel: throughput and latency of every channel implementation (primitives/tests/
// channel_impls.hpp) beside a plain mutex + condition-variable queue (peers/condvar_queue.hpp).
// Each row is run for each of them, one after the other, so the peers sit side by side.
//
//   spsc/cap:C/<impl>          1 sender, 1 receiver, capacity C; Time = real ns per message
//   mpsc/cap:C/<impl>          4 senders, 1 receiver
//   mpmc/cap:C/<impl>          4 senders, 4 receivers
//   ping_pong/cap:C/<impl>     one thread sends on `ping` and waits for the echo on `pong`;
//                              Time = one round trip (two messages)
//   fan_out_64/cap:1024/<impl> 64 receivers blocked on an empty channel, one sender; Time =
//                              real ns per message, the cost of waking blocked receivers
//   floor/spin_round_trip      the machine's floor, in the same run: a cache line passed back
//                              and forth between two spinning threads (one round trip)
//   floor/futex_round_trip     the same hand-off through futex wait/wake, each side asleep
//   handoff/<protocol>         ping-pong over emulated channels that carry out only the
//                              rendezvous protocol's steps, or the capacity-1 ring's
//                              (handoff_emulation.hpp): how far the protocol alone is from the
//                              spin floor; Time = one round trip
//
// C is 0 (rendezvous), 1 and 1024. For the flows, the receivers start first (they block on the
// empty channel), the senders are released together when timing starts, and timing ends when
// the last receiver has drained the channel after close(); thread creation is not timed. A
// run's message count is Google Benchmark's iteration count (KeepRunningBatch), so "Time" is
// per message and items_per_second is messages per second. A full run with the default
// --benchmark_min_time (0.5 s) takes under half a minute on a 2-core machine.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "channel_impls.hpp"
#include "csp/sync/std_backend.hpp"
#include "handoff_emulation.hpp"
#include "peers/condvar_queue.hpp"

namespace {

template <class... Families>
struct family_list {};

// csp's channel families, then the peer.
template <class... Families>
using with_peer = family_list<Families..., csp_bench::condvar_queue_family>;
using families = csp_test::channel_impls<with_peer>;

// `senders` threads send state.max_iterations messages in all through a channel of `capacity`
// to `receivers` threads.
template <class Family>
void flow(benchmark::State& state, std::size_t senders, std::size_t receivers,
          std::size_t capacity) {
  using channel = typename Family::template channel<std::uint64_t>;
  const auto total = static_cast<std::uint64_t>(state.max_iterations);
  const channel ch(capacity);
  std::latch ready(static_cast<std::ptrdiff_t>(receivers + senders));
  std::latch start(1);
  std::vector<std::thread> rx;
  std::vector<std::thread> tx;
  for (std::size_t r = 0; r < receivers; ++r) {
    rx.emplace_back([&] {
      ready.count_down();
      while (ch.recv().has_value()) {
      }
    });
  }
  for (std::size_t s = 0; s < senders; ++s) {
    const std::uint64_t share = total / senders + (s < total % senders ? 1 : 0);
    tx.emplace_back([&, share] {
      ready.count_down();
      start.wait();
      for (std::uint64_t i = 0; i < share; ++i) ch.send(i);
    });
  }
  ready.wait();
  while (state.KeepRunningBatch(state.max_iterations)) {
    start.count_down();
    for (auto& t : tx) t.join();
    ch.close();
    for (auto& t : rx) t.join();
  }
  state.SetItemsProcessed(state.iterations());
}

template <class Family>
void ping_pong(benchmark::State& state, std::size_t capacity) {
  using channel = typename Family::template channel<std::uint64_t>;
  const channel ping(capacity);
  const channel pong(capacity);
  std::thread echo([&] {
    while (auto v = ping.recv()) pong.send(*v);
  });
  std::uint64_t i = 0;
  for (auto _ : state) {
    ping.send(i++);
    benchmark::DoNotOptimize(pong.recv());
  }
  ping.close();
  echo.join();
}

// A ball passed between two threads through one cache line, both spinning: odd values are the
// ping, even values the pong.
void floor_spin_round_trip(benchmark::State& state) {
  alignas(64) std::atomic<std::uint64_t> ball{0};
  std::thread echo([&] {
    for (std::uint64_t expect = 1;; expect += 2) {
      std::uint64_t v;
      // acquire: pairs with the pinger's release store.
      while ((v = ball.load(std::memory_order_acquire)) != expect) {
        if (v == ~std::uint64_t{0}) return;
        csp::sync::std_backend::pause();
      }
      ball.store(expect + 1, std::memory_order_release);  // release: the pong
    }
  });
  std::uint64_t next = 1;
  for (auto _ : state) {
    ball.store(next, std::memory_order_release);  // release: the ping
    // acquire: pairs with the echo's release store.
    while (ball.load(std::memory_order_acquire) != next + 1) csp::sync::std_backend::pause();
    next += 2;
  }
  ball.store(~std::uint64_t{0}, std::memory_order_release);  // release: stop
  echo.join();
}

// The same hand-off with both sides asleep in the futex: what a channel that parks at once pays.
void floor_futex_round_trip(benchmark::State& state) {
  csp::sync::std_atomic<std::uint32_t> word{0};
  constexpr std::uint32_t stop = ~std::uint32_t{0};
  std::thread echo([&] {
    for (std::uint32_t expect = 1;; expect += 2) {
      // acquire: pairs with the pinger's release store.
      word.wait(expect - 1, std::memory_order_acquire);
      if (word.load(std::memory_order_acquire) == stop) return;  // acquire: as above
      word.store(expect + 1, std::memory_order_release);         // release: the pong
      word.notify_one();
    }
  });
  std::uint32_t next = 1;
  for (auto _ : state) {
    word.store(next, std::memory_order_release);  // release: the ping
    word.notify_one();
    word.wait(next, std::memory_order_acquire);  // acquire: pairs with the echo's pong
    next += 2;
  }
  word.store(stop, std::memory_order_release);  // release: stop
  word.notify_one();
  echo.join();
}

template <class Family>
void register_flow(const char* pattern, std::size_t senders, std::size_t receivers,
                   std::size_t capacity) {
  const std::string name =
      std::string(pattern) + "/cap:" + std::to_string(capacity) + "/" + Family::name;
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) {
    flow<Family>(st, senders, receivers, capacity);
  })->UseRealTime();
}

template <class... Families>
void register_all(family_list<Families...>) {
  struct pattern {
    const char* name;
    std::size_t senders;
    std::size_t receivers;
  };
  for (const pattern& p : {pattern{"spsc", 1, 1}, pattern{"mpsc", 4, 1}, pattern{"mpmc", 4, 4}}) {
    for (const std::size_t cap : {std::size_t{0}, std::size_t{1}, std::size_t{1024}}) {
      (register_flow<Families>(p.name, p.senders, p.receivers, cap), ...);
    }
  }
  for (const std::size_t cap : {std::size_t{0}, std::size_t{1}}) {
    (benchmark::RegisterBenchmark(
         ("ping_pong/cap:" + std::to_string(cap) + "/" + Families::name).c_str(),
         [cap](benchmark::State& st) { ping_pong<Families>(st, cap); })
         ->UseRealTime(),
     ...);
  }
  (register_flow<Families>("fan_out_64", 1, 64, 1024), ...);
}

}  // namespace

int main(int argc, char** argv) {
  register_all(families{});
  benchmark::RegisterBenchmark("floor/spin_round_trip", floor_spin_round_trip)->UseRealTime();
  benchmark::RegisterBenchmark("floor/futex_round_trip", floor_futex_round_trip)->UseRealTime();
  handoff::register_rows();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
