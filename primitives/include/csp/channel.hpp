// <csp/channel.hpp> — Go's channels: typed conduits between threads.
//
//   csp::channel<int> ch;            // unbuffered: a send waits for a receiver
//   std::thread t([ch] { ch.send(42); });
//   std::optional<int> v = ch.recv();  // 42; everything the sender did before send() is visible
//
// Two implementations with one API:
//   csp::lock_free::channel<T>     no lock on any non-blocking path; linearizable try answers
//   csp::mutex_based::channel<T>   Go's runtime design: one mutex, a ring, FIFO waiter queues
// csp::channel<T> is the faster implementation on the project's benchmarks (bench/): lock_free.
#pragma once

#include "csp/errors.hpp"
#include "csp/lock_free/channel.hpp"
#include "csp/mutex_based/channel.hpp"

namespace csp {

// The lock-free channel: faster than the mutex-based one on every row of bench/channel_bench.cpp
// (capacities 0, 1 and 1024; spsc, mpsc, mpmc, ping-pong, 64 blocked receivers).
template <class T>
using channel = lock_free::channel<T>;
template <class T>
using send_only = lock_free::send_only<T>;
template <class T>
using recv_only = lock_free::recv_only<T>;

}  // namespace csp
