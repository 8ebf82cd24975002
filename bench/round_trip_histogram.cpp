// bench/round_trip_histogram.cpp — ping-pong timed one round trip at a time, beside the spin
// floor timed the same way, to see where a run's mean goes (docs/channel_measurements.md, "The
// ratio over time").
//
// channel_bench's rows report means. On this VM a mean mixes three things: the steady hand-off,
// the machine's own stalls (round trips of 20-100 us that the spinning floor suffers as well),
// and, for a channel whose waiters may sleep, stretches where both threads run on one CPU after
// a wake (each hand-off then waits for the waiter's spin and a yield). This program times each
// round trip with the time-stamp counter and prints, per run, for the floor and for the
// lock-free channel at the capacity asked for:
//
//   mean, median, p90, p99     ns per round trip
//   5-20us, >20us              the share of the run's time spent in round trips that long
//   on one CPU                 of the channel's round trips over 5 us, how many ran while the
//                              echo thread last reported the pinger's CPU (sampled every 16
//                              round trips, outside the timed span)
//   sleeps                     voluntary context switches of the two threads (futex sleeps)
//
// Timing a span adds to it (two TSC reads, about 10 ns here): the program measures that at
// the start and prints the ratio of medians with it taken off both. The floor's round trip is short
// enough for it to matter; channel_bench's rows, which time whole batches, do not pay it.
//
// Usage: round_trip_histogram [round trips per run, default 200000] [runs, default 5]
//                             [capacity, default 0]
// Not a test and not run by `make check`: a measuring aid for the docs' claims.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "csp/lock_free/channel.hpp"
#include "csp/sync/std_backend.hpp"
#include <sched.h>
#include <sys/resource.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace {

using clock_type = std::chrono::steady_clock;

// Ticks: the time-stamp counter where there is one (a TSC read costs about 12 ns here, a
// steady_clock read 31 ns, against a floor of 40-80 ns in the machine's fast window), else the
// steady clock in ns.
std::uint64_t ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count());
#endif
}

double ns_per_tick() {
  const auto t0 = clock_type::now();
  const std::uint64_t c0 = ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
  return ns / static_cast<double>(ticks() - c0);
}

// What timing one round trip adds to it: the median of intervals with nothing in them, taken
// as the round trips are (two TSC reads around the span, the result stored).
double timing_cost_ns(double tick_ns) {
  std::vector<std::uint64_t> empty(100'000);
  for (auto& t : empty) {
    const std::uint64_t start = ticks();
    t = ticks() - start;
  }
  std::sort(empty.begin(), empty.end());
  return static_cast<double>(empty[empty.size() / 2]) * tick_ns;
}

long voluntary_switches() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw;
}

struct run_stats {
  double mean = 0, median = 0, p90 = 0, p99 = 0;
  double share_5_20us = 0, share_over_20us = 0;
  std::size_t over_5us = 0, over_5us_one_cpu = 0;
};

run_stats summarize(const std::vector<std::uint64_t>& trips, const std::vector<char>& one_cpu,
                    double tick_ns) {
  run_stats s;
  std::vector<double> ns(trips.size());
  double total = 0, in_5_20 = 0, over_20 = 0;
  for (std::size_t i = 0; i < trips.size(); ++i) {
    ns[i] = static_cast<double>(trips[i]) * tick_ns;
    total += ns[i];
    if (ns[i] > 20'000) {
      over_20 += ns[i];
    } else if (ns[i] > 5'000) {
      in_5_20 += ns[i];
    }
    if (ns[i] > 5'000) {
      ++s.over_5us;
      if (!one_cpu.empty() && one_cpu[i] != 0) ++s.over_5us_one_cpu;
    }
  }
  std::sort(ns.begin(), ns.end());
  const auto at = [&](double q) {
    return ns[static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1))];
  };
  s.mean = total / static_cast<double>(ns.size());
  s.median = at(0.5);
  s.p90 = at(0.9);
  s.p99 = at(0.99);
  s.share_5_20us = in_5_20 / total;
  s.share_over_20us = over_20 / total;
  return s;
}

// The floor: a ball passed through one cache line between two spinning threads, as
// channel_bench's floor/spin_round_trip.
std::vector<std::uint64_t> floor_trips(std::size_t n) {
  std::vector<std::uint64_t> trips(n);
  alignas(64) std::atomic<std::uint64_t> ball{0};
  constexpr std::uint64_t stop = ~std::uint64_t{0};
  std::thread echo([&] {
    for (std::uint64_t expect = 1;; expect += 2) {
      std::uint64_t v;
      // acquire: pairs with the pinger's release store.
      while ((v = ball.load(std::memory_order_acquire)) != expect) {
        if (v == stop) return;
        csp::sync::std_backend::pause();
      }
      ball.store(expect + 1, std::memory_order_release);  // release: the pong
    }
  });
  std::uint64_t next = 1;
  for (auto& t : trips) {
    const std::uint64_t start = ticks();
    ball.store(next, std::memory_order_release);  // release: the ping
    // acquire: pairs with the echo's release store.
    while (ball.load(std::memory_order_acquire) != next + 1) csp::sync::std_backend::pause();
    t = ticks() - start;
    next += 2;
  }
  ball.store(stop, std::memory_order_release);  // release: stop
  echo.join();
  return trips;
}

struct channel_run {
  std::vector<std::uint64_t> trips;
  std::vector<char> one_cpu;
  long sleeps = 0;
};

channel_run channel_trips(std::size_t n, std::size_t capacity) {
  channel_run r;
  r.trips.resize(n);
  r.one_cpu.resize(n);
  const csp::lock_free::channel<std::uint64_t> ping(capacity);
  const csp::lock_free::channel<std::uint64_t> pong(capacity);
  std::atomic<int> echo_cpu{-1};
  std::atomic<long> echo_sleeps{0};
  const long sleeps_before = voluntary_switches();
  std::thread echo([&] {
    const long before = voluntary_switches();
    std::uint64_t k = 0;
    while (auto v = ping.recv()) {
      // relaxed: a sample for the report, read after the round trip; orders nothing.
      if (k++ % 16 == 0) echo_cpu.store(sched_getcpu(), std::memory_order_relaxed);
      pong.send(*v);
    }
    // relaxed: read after join(), which orders it.
    echo_sleeps.store(voluntary_switches() - before, std::memory_order_relaxed);
  });
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t start = ticks();
    ping.send(std::uint64_t{i});
    (void)pong.recv();
    r.trips[i] = ticks() - start;
    // relaxed: as above, a sample.
    r.one_cpu[i] = echo_cpu.load(std::memory_order_relaxed) == sched_getcpu() ? 1 : 0;
  }
  ping.close();
  echo.join();
  // relaxed: after join().
  r.sleeps = voluntary_switches() - sleeps_before + echo_sleeps.load(std::memory_order_relaxed);
  return r;
}

void print(const char* what, const run_stats& s) {
  std::printf(
      "  %-8s mean %7.0f  median %6.0f  p90 %6.0f  p99 %7.0f  time in 5-20us %5.1f%%  "
      ">20us %5.1f%%",
      what, s.mean, s.median, s.p90, s.p99, 100 * s.share_5_20us, 100 * s.share_over_20us);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 200'000;
  int runs = 5;
  std::size_t capacity = 0;
  try {
    if (argc > 1) n = std::stoul(argv[1]);
    if (argc > 2) runs = std::stoi(argv[2]);
    if (argc > 3) capacity = std::stoul(argv[3]);
  } catch (const std::exception&) {
    n = 0;  // not a number: the usage below
  }
  if (argc > 4 || n < 100 || runs < 1) {
    std::fprintf(stderr, "usage: %s [round trips >= 100] [runs >= 1] [capacity]\n", argv[0]);
    return 2;
  }
  const double tick_ns = ns_per_tick();
  const double timing = timing_cost_ns(tick_ns);
  std::printf(
      "%zu round trips per run, lock-free channel of capacity %zu; timing adds about %.0f ns "
      "to each round trip (two TSC reads), included below\n",
      n, capacity, timing);
  for (int run = 1; run <= runs; ++run) {
    const run_stats f = summarize(floor_trips(n), {}, tick_ns);
    const channel_run c = channel_trips(n, capacity);
    const run_stats s = summarize(c.trips, c.one_cpu, tick_ns);
    std::printf("run %d\n", run);
    print("floor", f);
    std::printf("\n");
    print("channel", s);
    std::printf("  over 5us %zu, on one CPU %zu, sleeps %ld\n", s.over_5us, s.over_5us_one_cpu,
                c.sleeps);
    std::printf("  channel / floor: mean %.2f  median %.2f  (medians less the timing: %.2f)\n",
                s.mean / f.mean, s.median / f.median, (s.median - timing) / (f.median - timing));
    std::fflush(stdout);
  }
}
