// csp/detail/deadline.hpp — relative timeouts turned into deadlines without overflow.
#pragma once

#include <chrono>

namespace csp::detail {

// Clock::now() + d, saturating at the clock's maximum time point (a timeout of
// duration::max() means "wait forever", as with std::condition_variable::wait_for).
template <class Clock, class Rep, class Period>
typename Clock::time_point deadline_after(const std::chrono::duration<Rep, Period>& d) {
  using tp = typename Clock::time_point;
  const auto now = Clock::now();
  if (d <= d.zero()) return now;
  // Compare in floating point: both sides fit, whatever the two durations' units.
  const std::chrono::duration<double> room = tp::max() - now;
  if (std::chrono::duration<double>(d) >= room) return tp::max();
  return now + std::chrono::ceil<typename Clock::duration>(d);
}

}  // namespace csp::detail
