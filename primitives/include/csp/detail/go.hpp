// csp/detail/go.hpp — wait_group::go(): run a task on a new thread, counted by a wait group.
//
// Shared by both wait_group implementations: the task launch and the slot that keeps the first
// exception escaping a task until the next wait() rethrows it.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

namespace csp::detail {

// The first exception that escaped a go() task and has not been rethrown yet.
//
// Synchronization contract: capture() happens-before the task's done(), and wait() calls
// rethrow_if_any() only after it observed the counter at zero, which happens-after every
// done() of the cycle. So a captured exception is always visible to the wait() of its cycle.
// Exactly one waiter rethrows it (the claim is a compare-exchange); exceptions escaping while
// one is pending are dropped, as Go's errgroup keeps only the first error.
template <class B>
class first_error {
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t writing = 1;
  static constexpr std::uint32_t full = 2;
  static constexpr std::uint32_t taking = 3;

 public:
  void capture(std::exception_ptr e) noexcept {
    std::uint32_t expected = empty;
    // acquire: pairs with the release store of `empty` in rethrow_if_any(), which handed the
    // slot back.
    constexpr auto claim = std::memory_order_acquire;
    // relaxed on failure: another exception is pending and this one is dropped.
    if (state_.compare_exchange_strong(expected, writing, claim, std::memory_order_relaxed)) {
      slot_.with_mut([&](std::exception_ptr& p) { p = std::move(e); });
      // release: pairs with the acquire claim in rethrow_if_any(); publishes the slot.
      state_.store(full, std::memory_order_release);
    }
  }

  void rethrow_if_any() {
    // relaxed: a fast-path peek; the claim below re-reads with acquire.
    if (state_.load(std::memory_order_relaxed) != full) return;
    std::uint32_t expected = full;
    // acquire: pairs with the release store of `full` in capture(); makes the slot visible.
    constexpr auto claim = std::memory_order_acquire;
    // relaxed on failure: another waiter claimed it and rethrows it.
    if (!state_.compare_exchange_strong(expected, taking, claim, std::memory_order_relaxed)) {
      return;
    }
    std::exception_ptr p =
        slot_.with_mut([](std::exception_ptr& s) { return std::exchange(s, nullptr); });
    // release: pairs with the acquire claim in capture(); hands the emptied slot back.
    state_.store(empty, std::memory_order_release);
    std::rethrow_exception(std::move(p));
  }

 private:
  typename B::template atomic<std::uint32_t> state_{empty};
  typename B::template cell<std::exception_ptr> slot_{};
};

// add(1), then run std::invoke(f, args...) on a new detached thread and done() when it ends.
// The callable and its arguments are decay-copied here and destroyed on the task thread before
// its done(), so nothing they own outlives the wait() that returns after it. If the thread cannot
// be started, the add is undone and std::system_error propagates.
template <class WaitGroup, class Errors, class F, class... Args>
void go(WaitGroup& wg, Errors& errors, F&& f, Args&&... args) {
  using task_t = std::tuple<std::decay_t<F>, std::decay_t<Args>...>;
  static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>,
                "wait_group::go: f(args...) must be callable with the decayed arguments");
  auto task = std::make_unique<task_t>(std::forward<F>(f), std::forward<Args>(args)...);
  wg.add(1);
  try {
    std::thread([&wg, &errors, owned = std::move(task)]() mutable noexcept {
      {
        const std::unique_ptr<task_t> t = std::move(owned);
        try {
          std::apply([](auto& fn, auto&... a) { std::invoke(std::move(fn), std::move(a)...); }, *t);
        } catch (...) {
          errors.capture(std::current_exception());
        }
      }  // the task's state is destroyed here, before done()
      wg.done();
    }).detach();
  } catch (...) {
    wg.done();
    throw;
  }
}

}  // namespace csp::detail
