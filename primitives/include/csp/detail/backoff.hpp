// csp/detail/backoff.hpp — how long a blocked operation keeps trying before it sleeps.
//
// Parking is expensive here: a futex wake/wait round trip costs 5-40 us on a virtual machine
// whose idle CPUs halt, and 80 us in its slow windows (bench/channel_bench.cpp measures it
// beside a spinning round trip of 45-130 ns). So a blocked operation first spins, re-checking
// after every pause instruction, then yields the CPU, re-checking after every yield, for up to
// yield_window of wall time (with more threads than cores, the partner it waits for may need
// this core, and a yield hands it over), and only then parks.
//
// Why a window of time, and why 50 us: spinning for about as long as a park and a wake would
// cost, then parking, wastes at most twice the optimum whatever the wait turns out to be (the
// classic spin-then-block argument). A budget far shorter than the wake makes one sleep breed
// the next: the woken thread is late by a wake, its partner's short budget runs out meanwhile
// and it sleeps too. Ping-pong over an unbuffered channel on this machine, in a slow window
// (spin floor 117 ns, futex round trip 83 us; 200,000 round trips, 2026-11-30): with 8 yields
// after the spin, 1-5% of round trips took 50 us or more and the mean was 2.0-5.0 us; with the
// yields bounded by 10 / 25 / 50 / 100 us of wall time, the means were 0.68-0.95 / 0.69-0.76 /
// 0.71-0.73 / 0.59-0.94 us and at most 0.15% took over 20 us. A window of time rather than a
// count of yields: a yield that finds no other thread costs ~0.25 us, one that switches to
// another thread several, so with many blocked threads a count would stretch into
// milliseconds of churn, while a window ends on time. An idle receiver still costs nothing
// measurable: a try_recv_for(1 s) that timed out used 117-140 us of its thread's CPU time,
// against 106-115 us with 8 yields (the conformance suite checks under 10 ms).
//
// Adaptive: the window is worth spending only where waits usually end inside it. Where they
// do not — a receiver whose messages come every few hundred microseconds, say — each wait
// spins and yields for the whole window, parks anyway, and pays the wake on top: 58-61 us of
// CPU per message at gaps of 200 us and 1 ms (lock_free, capacities 0 and 1024, 2026-12-01),
// against 4-7 us for the mutex-based channel, which parks at once. So each waiting site (a
// channel's receivers, its senders) keeps a spin_gauge, a credit of `full` waits: a wait that
// spent the whole window and parked takes one unit, a wait that ended while spinning restores
// it. With no credit left, a wait spins only a short burst (spin_limit / 4 pauses, ~1 us, no
// yields) before it parks — except one wait in probe_period, drawn at random, which spends the
// whole window again: if waits have become short, it ends inside it and restores the credit.
// Waits that end within the burst end the same whatever the gauge says, so they never read or
// write it: the gauge is read when a wait reaches the end of the burst, and written only when
// its value changes, so in the steady states (waits that end while spinning, or waits that
// park) its line is not passed between threads. It is a hint, read and written relaxed: a stale
// or lost update changes only how long one wait spins, and every budget is correct (a wait
// re-checks before it parks). Measured (the same program, 2000 messages per row, 2026-12-01):
// receiver CPU per message at gaps of 200 us and 1 ms 58-61 us before, 7-10 us after; mean
// latency 16-19 us before, 16-19 us after (the wake dominates either way); at 20 us gaps
// (about 70 us here: timer slack) 70 us of CPU and 39-43 us of latency before, 20 us and
// 16-21 us after. Karlin, Li, Manasse and Owicki (SOSP 1991) study spinning that adapts to the
// waits observed, in the same spirit.
//
// The budget is a backend constant: the Relacy backend's spin_limit is at most 1, which leaves
// out the yields (and so the clock) and the gauge (stateless there), so models stay small while
// still exploring the "retry before sleeping" path.
#pragma once

#include <chrono>
#include <cstdint>

#include "csp/sync/backend.hpp"

namespace csp::detail {

// Whether spinning has lately paid off at one waiting site: a credit of `full` after a wait
// that ended while spinning, one less after each wait that spent the whole window. Stateless
// where the backend does not spin (the model checker's): nothing to explore.
template <class B, bool Adaptive = (B::spin_limit > 1)>
class spin_gauge {
 public:
  static constexpr std::uint32_t full = 8;
  static constexpr std::uint32_t probe_period = 16;

  // Whether the next wait should spend the whole window: credit left, or a random probe.
  bool trusted() const noexcept {
    // relaxed: a hint (see "Adaptive" above); any value read is safe.
    return credit_.load(std::memory_order_relaxed) != 0 || B::random(probe_period) == 0;
  }
  // A wait ended while spinning.
  void paid_off() noexcept {
    // relaxed: a hint, as above. Written only when it changes.
    if (credit_.load(std::memory_order_relaxed) != full) {
      credit_.store(full, std::memory_order_relaxed);  // relaxed: as above
    }
  }
  // A wait spent the whole window and is about to park.
  void wasted() noexcept {
    // relaxed: a hint, as above; a racing update may be lost.
    const std::uint32_t c = credit_.load(std::memory_order_relaxed);
    if (c != 0) credit_.store(c - 1, std::memory_order_relaxed);  // relaxed: as above
  }

 private:
  typename B::template atomic<std::uint32_t> credit_{full};
};

template <class B>
class spin_gauge<B, false> {
 public:
  static constexpr bool trusted() noexcept { return true; }
  void paid_off() noexcept {}
  void wasted() noexcept {}
};

template <class B>
class backoff {
 public:
  // One more round of waiting; false when the budget is spent and the caller should park.
  // The caller re-checks its condition between rounds: one pause per round, because a pause
  // costs ~13-20 ns (AMD EPYC here) and a burst would delay noticing a hand-off by the burst.
  //
  // `gauge`: the waiting site's, if it keeps one. A wait that lasts the short burst reads it
  // there, and goes on to spend the whole window only if the gauge trusts spinning at the site;
  // a wait that runs out tells it so. Shorter waits end the same whatever the gauge says, so
  // they never touch it: a hand-off between two spinning threads (ping-pong) reads no line
  // more than before the gauges. (The gauge is an argument, not a member, and the object
  // stays 16 bytes: eight bytes more, unused, on the stack of the ring's send and receive
  // moved their capacity-1024 flows by 10-25% at -O3 on this machine, 2026-12-01 — code
  // layout, which these rows are sensitive to.)
  bool snooze(spin_gauge<B>* gauge = nullptr) noexcept {
    if (rounds_ < spin_rounds) {
      if constexpr (spin_rounds > 1) {
        if (rounds_ == brief_rounds && gauge != nullptr && !gauge->trusted()) return spent(gauge);
      }
      B::pause();
      ++rounds_;
      return true;
    }
    if constexpr (spin_rounds <= 1) {
      return false;
    } else {
      // One clock read (~20 ns) per yield, which costs ten times as much.
      const auto now = B::clock::now();
      if (rounds_ == spin_rounds) {
        yield_start_ = now;
      } else if (now - yield_start_ > yield_window || rounds_ >= spin_rounds + max_yields) {
        return spent(gauge);
      }
      B::yield();
      ++rounds_;
      return true;
    }
  }

  // The caller's condition came true while it was snoozing: the spin paid off (the gauge
  // hears of it if the wait outlasted the short burst).
  void paid_off(spin_gauge<B>* gauge) noexcept {
    if (gauge != nullptr && rounds_ > brief_rounds && !told_) gauge->paid_off();
  }

  // Another spin, after the caller slept: a new wait, for the gauge as well.
  void reset() noexcept {
    rounds_ = 0;
    told_ = false;
  }

 private:
  // B::spin_limit pause rounds (~3.5-5 us with the standard backend's 256), then yields for
  // yield_window; max_yields ends the yields on a clock that does not advance. A wait the
  // gauge does not trust spins brief_rounds pauses (~1 us).
  static constexpr unsigned spin_rounds = B::spin_limit;
  static constexpr unsigned brief_rounds = spin_rounds / 4;
  static constexpr std::chrono::microseconds yield_window{50};
  static constexpr unsigned max_yields = 4096;

  // The budget ran out: the caller parks. The gauge hears of each wait once.
  bool spent(spin_gauge<B>* gauge) noexcept {
    if (gauge != nullptr && !told_) gauge->wasted();
    told_ = true;
    return false;
  }

  unsigned rounds_ = 0;
  bool told_ = false;  // the gauge heard that this wait ran out
  typename B::clock::time_point yield_start_{};
};

}  // namespace csp::detail
