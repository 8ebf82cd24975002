// Timeouts and tickers: a worker that stops when its context's deadline passes, and a ticker
// read three times, then stopped.
//
// The Go program this mirrors:
//
//   package main
//
//   import (
//       "context"
//       "fmt"
//       "time"
//   )
//
//   func worker(ctx context.Context, results chan<- int) {
//       steps := 0
//       for {
//           select {
//           case <-ctx.Done():
//               results <- steps
//               return
//           default:
//               steps++ // one step of work
//               time.Sleep(time.Millisecond)
//           }
//       }
//   }
//
//   func main() {
//       ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
//       defer cancel()
//       results := make(chan int)
//       go worker(ctx, results)
//       steps := <-results
//       fmt.Printf("worker stopped: %v (after %d steps)\n", ctx.Err(), steps)
//
//       t := time.NewTicker(50 * time.Millisecond)
//       for i := 1; i <= 3; i++ {
//           <-t.C
//           fmt.Println("tick", i)
//       }
//       t.Stop()
//       fmt.Println("ticker stopped")
//   }
//
// Without select, the worker polls ctx.done() with try_recv: a closed done channel is the
// cancellation, exactly the `case <-ctx.Done()` above.
#include <chrono>
#include <cstdio>
#include <thread>
#include <variant>

#include <csp/channel.hpp>
#include <csp/context.hpp>
#include <csp/time.hpp>

using namespace std::chrono_literals;

namespace {

void worker(const csp::context& ctx, const csp::send_only<int>& results) {
  int steps = 0;
  for (;;) {
    std::monostate unit;
    if (ctx.done().try_recv(unit) == csp::status::closed) {  // case <-ctx.Done()
      results.send(steps);
      return;
    }
    ++steps;  // default: one step of work
    std::this_thread::sleep_for(1ms);
  }
}

}  // namespace

int main() {
  auto [ctx, cancel] = csp::with_timeout(csp::background(), 100ms);
  csp::channel<int> results;
  std::thread w(worker, ctx, results.sender());
  const int steps = results.recv().value_or(0);
  w.join();
  std::printf("worker stopped: %s (after %d steps)\n", csp::to_string(ctx.err()), steps);
  cancel();  // Go's `defer cancel()`: releases the context at once (here: a no-op)

  csp::ticker t(50ms);
  for (int i = 1; i <= 3; ++i) {
    (void)t.channel().recv();
    std::printf("tick %d\n", i);
  }
  t.stop();
  std::printf("ticker stopped\n");
}
