// A goroutine computes a random number and sends it over an unbuffered channel; main receives
// it and logs it.
//
// The Go program this started from:
//
//   package main
//
//   import (
//       "log"
//       "math/rand"
//   )
//
//   func main() {
//       ch := make(chan int)
//       go func() {
//           n := rand.Intn(10) // a random number in [0, 10)
//           ch <- n
//       }()
//       n := <-ch
//       log.Printf("received %d from the goroutine", n)
//   }
//
// In C++ the goroutine is a std::thread and the channel is csp::channel<int>. The channel is
// unbuffered, as make(chan int) is: the send completes only when main has taken the value, and
// everything the goroutine did before the send is visible to main after the receive. Go's log
// writes "date time message" to standard error; so does this.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <random>
#include <thread>

#include <csp/channel.hpp>

namespace {

// Go's log.Printf: "2009/11/10 23:00:00 message" on standard error.
template <class... Args>
void log_printf(const char* format, Args... args) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &local);
  std::fprintf(stderr, "%s ", stamp);
  std::fprintf(stderr, format, args...);
  std::fprintf(stderr, "\n");
}

}  // namespace

int main() {
  csp::channel<int> ch;  // make(chan int): unbuffered
  std::thread goroutine([ch] {
    std::mt19937 rng(std::random_device{}());
    const int n = std::uniform_int_distribution<int>(0, 9)(rng);  // rand.Intn(10)
    ch.send(n);
  });
  const std::optional<int> n = ch.recv();  // never empty: nobody closes ch
  log_printf("received %d from the goroutine", *n);
  goroutine.join();
  return 0;
}
