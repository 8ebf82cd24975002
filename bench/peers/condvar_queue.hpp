// The channel a C++ programmer writes without a library: a bounded std::deque guarded by one
// std::mutex, with condition variables for "not full" and "not empty". The benchmarks' peer.
//
// A handle, like csp::channel: copies share one queue. send / recv / close only, with Go's
// meaning for the common cases: recv returns std::nullopt once the queue is closed and drained,
// and send on a closed queue throws csp::closed_channel_error.
//
// Capacity 0 is a rendezvous built the usual way: the queue holds at most one value; a sender
// waits for that slot to be free, deposits its value, takes a ticket (the number of values
// deposited so far), and then waits on a third condition variable until receivers have taken
// that many values — so send returns only once its value has been received. That wait is
// notified with notify_all: with several senders waiting for different tickets, notify_one
// could wake one whose value was not yet taken and leave the one whose value was taken asleep
// for good. (Simplification against Go: a rendezvous sender whose value is already deposited
// when the queue closes still waits for a receiver to take it; close() lets receivers drain.)
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "csp/errors.hpp"

namespace csp_bench {

template <class T>
class condvar_queue {
 public:
  using value_type = T;

  condvar_queue() : condvar_queue(0) {}
  explicit condvar_queue(std::size_t capacity) : s_(std::make_shared<state>(capacity)) {}

  void send(T v) const {
    state& s = *s_;
    std::unique_lock lk(s.m);
    s.not_full.wait(lk, [&] { return s.closed || s.q.size() < s.slots; });
    if (s.closed) throw csp::closed_channel_error("condvar_queue: send on closed queue");
    s.q.push_back(std::move(v));
    const std::uint64_t ticket = ++s.deposited;
    s.not_empty.notify_one();
    if (s.capacity == 0) s.taken_cv.wait(lk, [&] { return s.taken >= ticket; });
  }

  std::optional<T> recv() const {
    state& s = *s_;
    std::unique_lock lk(s.m);
    s.not_empty.wait(lk, [&] { return s.closed || !s.q.empty(); });
    if (s.q.empty()) return std::nullopt;  // closed and drained
    std::optional<T> v(std::move(s.q.front()));
    s.q.pop_front();
    ++s.taken;
    s.not_full.notify_one();
    if (s.capacity == 0) s.taken_cv.notify_all();
    return v;
  }

  void close() const {
    state& s = *s_;
    std::lock_guard lk(s.m);
    if (s.closed) throw csp::closed_channel_error("condvar_queue: close of closed queue");
    s.closed = true;
    s.not_full.notify_all();
    s.not_empty.notify_all();
  }

  std::size_t capacity() const noexcept { return s_->capacity; }

 private:
  struct state {
    explicit state(std::size_t cap) : capacity(cap), slots(cap > 0 ? cap : 1) {}
    const std::size_t capacity;
    const std::size_t slots;  // values the deque may hold: 1 for the rendezvous
    std::mutex m;
    std::condition_variable not_full;
    std::condition_variable not_empty;
    std::condition_variable taken_cv;  // capacity 0: a deposited value was taken
    std::deque<T> q;
    std::uint64_t deposited = 0;
    std::uint64_t taken = 0;
    bool closed = false;
  };
  std::shared_ptr<state> s_;
};

// The peer as a channel family, beside csp_test::channel_impls.
struct condvar_queue_family {
  template <class T>
  using channel = condvar_queue<T>;
  static constexpr const char* name = "condvar_queue";
};

}  // namespace csp_bench
