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
// The budget is a backend constant: the Relacy backend's spin_limit is at most 1, which leaves
// out the yields (and so the clock), so models stay small while still exploring the "retry
// before sleeping" path.
#pragma once

#include <chrono>

#include "csp/sync/backend.hpp"

namespace csp::detail {

template <class B>
class backoff {
 public:
  // One more round of waiting; false when the budget is spent and the caller should park.
  // The caller re-checks its condition between rounds: one pause per round, because a pause
  // costs ~13-20 ns (AMD EPYC here) and a burst would delay noticing a hand-off by the burst.
  bool snooze() noexcept {
    if (rounds_ < spin_rounds) {
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
        return false;
      }
      B::yield();
      ++rounds_;
      return true;
    }
  }

  void reset() noexcept { rounds_ = 0; }

 private:
  // B::spin_limit pause rounds (~3.5-5 us with the standard backend's 256), then yields for
  // yield_window; max_yields ends the yields on a clock that does not advance.
  static constexpr unsigned spin_rounds = B::spin_limit;
  static constexpr std::chrono::microseconds yield_window{50};
  static constexpr unsigned max_yields = 4096;
  unsigned rounds_ = 0;
  typename B::clock::time_point yield_start_{};
};

}  // namespace csp::detail
