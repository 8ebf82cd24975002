// <csp/channel.hpp> — Go's channels: typed conduits between threads.
//
//   csp::channel<int> ch;            // unbuffered: a send waits for a receiver
//   std::thread t([ch] { ch.send(42); });
//   std::optional<int> v = ch.recv();  // 42; everything the sender did before send() is visible
//
// Two implementations with one API:
//   csp::mutex_based::channel<T>   Go's runtime design: one mutex, a ring, FIFO waiter queues
// csp::channel<T> is the faster implementation on the project's benchmarks (bench/).
#pragma once

#include "csp/errors.hpp"
#include "csp/mutex_based/channel.hpp"

namespace csp {

template <class T>
using channel = mutex_based::channel<T>;
template <class T>
using send_only = mutex_based::send_only<T>;
template <class T>
using recv_only = mutex_based::recv_only<T>;

}  // namespace csp
