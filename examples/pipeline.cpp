// A pipeline: a generator stage, a squaring stage, and main printing what comes out. Each stage
// is a goroutine that receives from the channel before it, sends on its own channel, and closes
// that channel when its input is exhausted, so the close flows down the pipeline and every
// range loop ends.
//
// The Go program this started from (the Go blog's "Go Concurrency Patterns: Pipelines"):
//
//   package main
//
//   import "fmt"
//
//   func gen(nums ...int) <-chan int {
//       out := make(chan int)
//       go func() {
//           for _, n := range nums {
//               out <- n
//           }
//           close(out)
//       }()
//       return out
//   }
//
//   func sq(in <-chan int) <-chan int {
//       out := make(chan int)
//       go func() {
//           for n := range in {
//               out <- n * n
//           }
//           close(out)
//       }()
//       return out
//   }
//
//   func main() {
//       for n := range sq(gen(1, 2, 3, 4, 5)) {
//           fmt.Println(n) // 1 4 9 16 25
//       }
//       // sq's inbound and outbound channels have one type, so stages compose.
//       for n := range sq(sq(gen(2, 3))) {
//           fmt.Println(n) // 16 then 81
//       }
//   }
//
// In C++ each stage returns the receiving end of its channel, csp::recv_only<int> (Go's
// <-chan int), and starts its goroutine with a wait group's go(), so main can wait for every
// stage to have returned before it exits.
#include <cstdio>
#include <initializer_list>
#include <vector>

#include <csp/channel.hpp>
#include <csp/wait_group.hpp>

namespace {

csp::recv_only<int> gen(csp::wait_group& wg, std::initializer_list<int> nums) {
  csp::channel<int> out;
  wg.go([out, nums = std::vector<int>(nums)] {
    for (int n : nums) out.send(n);
    out.close();
  });
  return out;
}

csp::recv_only<int> sq(csp::wait_group& wg, csp::recv_only<int> in) {
  csp::channel<int> out;
  wg.go([in, out] {
    for (int n : in) out.send(n * n);
    out.close();
  });
  return out;
}

}  // namespace

int main() {
  csp::wait_group wg;
  for (int n : sq(wg, gen(wg, {1, 2, 3, 4, 5}))) std::printf("%d\n", n);  // 1 4 9 16 25
  for (int n : sq(wg, sq(wg, gen(wg, {2, 3})))) std::printf("%d\n", n);   // 16 then 81
  wg.wait();
  return 0;
}
