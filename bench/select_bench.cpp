// select: the cost of csp::select over both channel implementations (primitives/tests/
// channel_impls.hpp), beside what a C++ programmer writes without one.
//
//   poll_ready/<impl>            a 2-case select (receive from a or b) where a holds a value and
//                                b is empty: the poll path, one thread. Time = one select.
//   poll_ready/try_recv/<impl>   the same value taken with a plain try_recv: the operation the
//                                select performs, without the select around it
//   poll_ready/mutex_try_both    the peer: two std::mutex + std::deque queues, tried in a
//                                random order under their own locks (what "select" is without
//                                a library)
//   ping_pong/cap:C/<impl>       two threads bounce a value: each sends with a plain send and
//                                receives with a select over its own channel and a channel
//                                nobody sends on, so every receive that finds nothing waits in
//                                the select's blocking path. Time = one round trip.
//   ping_pong_plain/cap:C/<impl> the same round trip with plain recv(): what the select adds
//   default_miss/cap:C/<impl>    select(on_recv(a), on_recv(b), on_default) on two empty
//                                channels: the non-blocking miss. Time = one select.
//   default_miss/mutex_try_both  the peer's miss: both queues found empty under their locks
//
// For poll_ready, a is refilled outside the timed region every `batch` selects. A full run with
// the default --benchmark_min_time takes about half a minute on a 2-core machine.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "channel_impls.hpp"
#include "csp/select.hpp"

namespace {

constexpr std::size_t batch = 4096;

// The peer: the try operations of a mutex-guarded queue (the non-blocking half of
// peers/condvar_queue.hpp, which has no try operations).
class mutex_queue {
 public:
  bool try_send(std::uint64_t v) {
    const std::lock_guard lk(m_);
    q_.push_back(v);
    return true;
  }
  bool try_recv(std::uint64_t& out) {
    const std::lock_guard lk(m_);
    if (q_.empty()) return false;
    out = q_.front();
    q_.pop_front();
    return true;
  }

 private:
  std::mutex m_;
  std::deque<std::uint64_t> q_;
};

// A coin for the peer's random order (a select shuffles its cases too).
class xorshift {
 public:
  bool flip() noexcept {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return (s_ & 1) != 0;
  }

 private:
  std::uint64_t s_ = 0x9E3779B97F4A7C15u;
};

// Tries q[first], then q[1 - first]: the peer's "select" of two receives.
bool try_both(mutex_queue (&q)[2], bool first, std::uint64_t& out) {
  const int f = first ? 1 : 0;
  return q[f].try_recv(out) || q[1 - f].try_recv(out);
}

template <class Family>
void poll_ready(benchmark::State& state) {
  using channel = typename Family::template channel<std::uint64_t>;
  const channel a(batch);
  const channel b(batch);
  std::uint64_t sum = 0;
  while (state.KeepRunningBatch(batch)) {
    state.PauseTiming();
    for (std::uint64_t i = 0; i < batch; ++i) (void)a.try_send(i);
    state.ResumeTiming();
    for (std::size_t i = 0; i < batch; ++i) {
      csp::select(csp::on_recv(a, [&](std::optional<std::uint64_t> v) { sum += *v; }),
                  csp::on_recv(b));
    }
  }
  benchmark::DoNotOptimize(sum);
}

template <class Family>
void poll_ready_try_recv(benchmark::State& state) {
  using channel = typename Family::template channel<std::uint64_t>;
  const channel a(batch);
  std::uint64_t sum = 0;
  while (state.KeepRunningBatch(batch)) {
    state.PauseTiming();
    for (std::uint64_t i = 0; i < batch; ++i) (void)a.try_send(i);
    state.ResumeTiming();
    for (std::size_t i = 0; i < batch; ++i) {
      std::uint64_t v = 0;
      (void)a.try_recv(v);
      sum += v;
    }
  }
  benchmark::DoNotOptimize(sum);
}

void poll_ready_peer(benchmark::State& state) {
  mutex_queue q[2];
  xorshift coin;
  std::uint64_t sum = 0;
  while (state.KeepRunningBatch(batch)) {
    state.PauseTiming();
    for (std::uint64_t i = 0; i < batch; ++i) (void)q[0].try_send(i);
    state.ResumeTiming();
    for (std::size_t i = 0; i < batch; ++i) {
      std::uint64_t v = 0;
      (void)try_both(q, coin.flip(), v);
      sum += v;
    }
  }
  benchmark::DoNotOptimize(sum);
}

// Receives from `ch` with a select that also waits on `never`; false once ch is closed.
template <class Channel>
bool select_recv(const Channel& ch, const Channel& never, std::uint64_t& out) {
  bool open = true;
  csp::select(csp::on_recv(ch,
                           [&](std::optional<std::uint64_t> v) {
                             if (v) {
                               out = *v;
                             } else {
                               open = false;
                             }
                           }),
              csp::on_recv(never));
  return open;
}

template <class Family, bool Select>
void ping_pong(benchmark::State& state, std::size_t capacity) {
  using channel = typename Family::template channel<std::uint64_t>;
  const channel ping(capacity);
  const channel pong(capacity);
  const channel never_echo(capacity);  // nobody ever sends on these
  const channel never_main(capacity);
  std::thread echo([&] {
    for (;;) {
      std::uint64_t v = 0;
      if constexpr (Select) {
        if (!select_recv(ping, never_echo, v)) return;
      } else {
        const std::optional<std::uint64_t> got = ping.recv();
        if (!got) return;
        v = *got;
      }
      pong.send(v);
    }
  });
  std::uint64_t i = 0;
  for (auto _ : state) {
    ping.send(i++);
    std::uint64_t v = 0;
    if constexpr (Select) {
      (void)select_recv(pong, never_main, v);
    } else {
      v = pong.recv().value_or(0);
    }
    benchmark::DoNotOptimize(v);
  }
  ping.close();
  echo.join();
}

template <class Family>
void default_miss(benchmark::State& state, std::size_t capacity) {
  using channel = typename Family::template channel<std::uint64_t>;
  const channel a(capacity);
  const channel b(capacity);
  std::uint64_t misses = 0;
  for (auto _ : state) {
    csp::select(csp::on_recv(a), csp::on_recv(b), csp::on_default([&] { ++misses; }));
  }
  benchmark::DoNotOptimize(misses);
}

void default_miss_peer(benchmark::State& state) {
  mutex_queue q[2];
  xorshift coin;
  std::uint64_t misses = 0;
  for (auto _ : state) {
    std::uint64_t v = 0;
    if (!try_both(q, coin.flip(), v)) ++misses;
  }
  benchmark::DoNotOptimize(misses);
}

template <class... Families>
struct family_list {};

template <class... Families>
void register_all(family_list<Families...>) {
  const auto named = [](const std::string& pattern, const char* impl) {
    return pattern + "/" + impl;
  };
  (benchmark::RegisterBenchmark(named("poll_ready", Families::name).c_str(), poll_ready<Families>),
   ...);
  (benchmark::RegisterBenchmark(named("poll_ready/try_recv", Families::name).c_str(),
                                poll_ready_try_recv<Families>),
   ...);
  benchmark::RegisterBenchmark("poll_ready/mutex_try_both", poll_ready_peer);
  for (const std::size_t cap : {std::size_t{0}, std::size_t{1}}) {
    const std::string c = "/cap:" + std::to_string(cap);
    (benchmark::RegisterBenchmark(
         named("ping_pong" + c, Families::name).c_str(),
         [cap](benchmark::State& st) { ping_pong<Families, true>(st, cap); })
         ->UseRealTime(),
     ...);
    (benchmark::RegisterBenchmark(
         named("ping_pong_plain" + c, Families::name).c_str(),
         [cap](benchmark::State& st) { ping_pong<Families, false>(st, cap); })
         ->UseRealTime(),
     ...);
  }
  for (const std::size_t cap : {std::size_t{0}, std::size_t{1}}) {
    (benchmark::RegisterBenchmark(
         named("default_miss/cap:" + std::to_string(cap), Families::name).c_str(),
         [cap](benchmark::State& st) { default_miss<Families>(st, cap); }),
     ...);
  }
  benchmark::RegisterBenchmark("default_miss/mutex_try_both", default_miss_peer);
}

}  // namespace

int main(int argc, char** argv) {
  register_all(csp_test::channel_impls<family_list>{});
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
