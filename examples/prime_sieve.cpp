// Go's concurrent prime sieve: a generator goroutine and a daisy chain of filter goroutines,
// one per prime found, connected by unbuffered channels. Prints the first N primes (default 10;
// N is the first argument).
//
// The Go program this started from (Go's doc/play/sieve.go):
//
//   // A concurrent prime sieve
//
//   package main
//
//   import "fmt"
//
//   // Send the sequence 2, 3, 4, ... to channel 'ch'.
//   func Generate(ch chan<- int) {
//       for i := 2; ; i++ {
//           ch <- i // Send 'i' to channel 'ch'.
//       }
//   }
//
//   // Copy the values from channel 'in' to channel 'out',
//   // removing those divisible by 'prime'.
//   func Filter(in <-chan int, out chan<- int, prime int) {
//       for {
//           i := <-in // Receive value from 'in'.
//           if i%prime != 0 {
//               out <- i // Send 'i' to 'out'.
//           }
//       }
//   }
//
//   // The prime sieve: Daisy-chain Filter processes.
//   func main() {
//       ch := make(chan int) // Create a new channel.
//       go Generate(ch)      // Launch Generate goroutine.
//       for i := 0; i < 10; i++ {
//           prime := <-ch
//           fmt.Println(prime)
//           ch1 := make(chan int)
//           go Filter(ch, ch1, prime)
//           ch = ch1
//       }
//   }
//
// Go ends the program with the generator and the filters still blocked; a C++ program joins its
// threads. So main, when done, closes the channel it was reading. The last filter's next send
// then throws csp::closed_channel_error; the filter closes its own input and returns, which
// stops the filter before it in the same way, and so on up to the generator. Closing from the
// receiving side is not Go style (there, a `done` channel and select do it), but with a send
// that throws on a closed channel it is the shortest correct teardown.
#include <cstdio>
#include <cstdlib>

#include <csp/channel.hpp>
#include <csp/wait_group.hpp>

namespace {

// Send the sequence 2, 3, 4, ... to channel `ch`, until it is closed.
void generate(csp::send_only<int> ch) {
  try {
    for (int i = 2;; ++i) ch.send(i);
  } catch (const csp::closed_channel_error&) {  // the consumer is gone
  }
}

// Copy the values from `in` to `out`, removing those divisible by `prime`. When `out` is
// closed, close `in` (so the stage before this one stops too) and return.
void filter(csp::channel<int> in, csp::send_only<int> out, int prime) {
  try {
    for (int i : in) {
      if (i % prime != 0) out.send(i);
    }
  } catch (const csp::closed_channel_error&) {
    in.close();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10;
  csp::wait_group wg;    // to join the goroutines at the end
  csp::channel<int> ch;  // Create a new channel.
  wg.go(generate, ch);   // Launch the generate goroutine.
  for (int i = 0; i < n; ++i) {
    const int prime = *ch.recv();
    std::printf("%d\n", prime);
    csp::channel<int> ch1;
    wg.go(filter, ch, ch1, prime);
    ch = ch1;
  }
  ch.close();  // tear the chain down from the end (see above)
  wg.wait();
  return 0;
}
