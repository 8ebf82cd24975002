// Launch goroutines with anonymous functions and wait for them with a WaitGroup.
//
// The Go program this started from:
//
//   package main
//
//   import (
//       "fmt"
//       "sync"
//   )
//
//   func main() {
//       var wg sync.WaitGroup
//       for i := 1; i <= 5; i++ {
//           wg.Add(1)
//           go func(id int) {
//               defer wg.Done()
//               fmt.Printf("goroutine %d: %d squared is %d\n", id, id, id*id)
//           }(i)
//       }
//       wg.Wait()
//       fmt.Println("all 5 goroutines finished")
//   }
//
// In C++ a goroutine is a thread; csp::wait_group is sync.WaitGroup. The first loop is the Go
// program line for line (add / done); the second uses wait_group::go, Go 1.25's wg.Go, which
// does the add and the done for you.
#include <cstdio>
#include <thread>
#include <vector>

#include <csp/wait_group.hpp>

int main() {
  constexpr int n = 5;

  // 1. As in Go: Add before starting, Done when finished (here at the end of the lambda).
  csp::wait_group wg;
  std::vector<std::thread> goroutines;
  for (int i = 1; i <= n; ++i) {
    wg.add(1);
    goroutines.emplace_back([&wg, id = i] {
      std::printf("goroutine %d: %d squared is %d\n", id, id, id * id);
      wg.done();
    });
  }
  wg.wait();
  std::printf("all %d goroutines finished\n", n);
  for (auto& g : goroutines) g.join();

  // 2. With go(): the results are written by the goroutines and read after wait() — no locks,
  //    because everything a goroutine did before it finished happens-before wait() returns.
  int cubes[n] = {};
  for (int i = 0; i < n; ++i) {
    wg.go([&cubes, i] { cubes[i] = (i + 1) * (i + 1) * (i + 1); });
  }
  wg.wait();
  std::printf("cubes computed by %d goroutines:", n);
  for (int c : cubes) std::printf(" %d", c);
  std::printf("\n");
  return 0;
}
