// <csp/wait_group.hpp> — Go's sync.WaitGroup: wait for a collection of tasks to finish.
//
//   csp::wait_group wg;
//   for (int i = 0; i < 3; ++i) wg.go([i] { work(i); });
//   wg.wait();  // every work(i) has returned, and all it wrote is visible here
//
// Two implementations with one API:
//   csp::lock_free::wait_group     one atomic word; add/done lock-free, wait spins then parks
//   csp::mutex_based::wait_group   a mutex and a condition variable
// csp::wait_group is the faster of the two on the project's benchmarks
// (bench/wait_group_bench.cpp).
#pragma once

#include "csp/errors.hpp"
#include "csp/lock_free/wait_group.hpp"
#include "csp/mutex_based/wait_group.hpp"

namespace csp {

using wait_group = lock_free::wait_group;

}  // namespace csp
