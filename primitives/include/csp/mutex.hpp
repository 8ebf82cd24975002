// <csp/mutex.hpp> — a mutual-exclusion lock, Go's sync.Mutex; Lockable, so it works with
// std::lock_guard, std::unique_lock and std::scoped_lock.
//
//   csp::mutex m;
//   int balance = 0;
//   { std::scoped_lock lk(m); balance += 10; }  // the unlock publishes the write to the next owner
//
// Two implementations with one API:
//   csp::lock_free::mutex     Drepper's three-state futex lock on one 32-bit word: spin briefly,
//                             then park; unlock makes a system call only if someone is parked
//   csp::mutex_based::mutex   std::mutex (the backend's), behind the same API
// csp::mutex is the futex lock: on bench/mutex_bench.cpp it is a little faster than std::mutex
// both uncontended and with two threads contending (it has no mutex-type dispatch), and it is
// the one whose algorithm the models check line by line.
#pragma once

#include "csp/lock_free/mutex.hpp"
#include "csp/mutex_based/mutex.hpp"

namespace csp {

using mutex = lock_free::mutex;

}  // namespace csp
