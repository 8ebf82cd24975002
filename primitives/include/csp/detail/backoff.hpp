// csp/detail/backoff.hpp — how long a blocked operation keeps trying before it sleeps.
//
// Parking is expensive here: a futex wake/wait round trip costs 5-40 us on a virtual machine
// whose idle CPUs halt (bench/channel_bench.cpp measures it beside a spinning round trip of
// ~60 ns). So a blocked operation first spins, re-checking after every pause instruction, then
// yields the CPU a few times (with more threads than cores, the partner it waits for may need
// this core), and only then parks. The whole budget is bounded (a few tens
// of microseconds), so an idle receiver costs nothing measurable (the conformance suite checks
// it: under 10 ms of CPU for a 1 s wait).
//
// The budget is a backend constant: the Relacy backend's is tiny, so models stay small while
// still exploring the "retry before sleeping" path.
#pragma once

#include "csp/sync/backend.hpp"

namespace csp::detail {

template <class B>
class backoff {
 public:
  // One more round of waiting; false when the budget is spent and the caller should park.
  // The caller re-checks its condition between rounds: one pause per round, because a pause
  // costs ~20 ns (AMD EPYC here) and a burst would delay noticing a hand-off by the burst.
  bool snooze() noexcept {
    if (rounds_ < spin_rounds) {
      B::pause();
    } else if (rounds_ < spin_rounds + yield_rounds) {
      B::yield();
    } else {
      return false;
    }
    ++rounds_;
    return true;
  }

  void reset() noexcept { rounds_ = 0; }

 private:
  // B::spin_limit pause rounds (~5 us with the standard backend's 256), then a few yields
  // (~0.4 us each here) for the partner that may need this core.
  static constexpr unsigned spin_rounds = B::spin_limit;
  static constexpr unsigned yield_rounds = B::spin_limit <= 1 ? 0 : 8;
  unsigned rounds_ = 0;
};

}  // namespace csp::detail
