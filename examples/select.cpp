// select: Go by Example's select, timeouts and non-blocking channel operations, and the Tour of
// Go's quit channel, with csp::select.
//
// The Go programs this mirrors (durations scaled down so the example runs in about half a
// second):
//
//   // 1. select (Go by Example): wait on two channels at once.
//   c1 := make(chan string)
//   c2 := make(chan string)
//   go func() { time.Sleep(1 * time.Second); c1 <- "one" }()
//   go func() { time.Sleep(2 * time.Second); c2 <- "two" }()
//   for i := 0; i < 2; i++ {
//       select {
//       case msg1 := <-c1:
//           fmt.Println("received", msg1)
//       case msg2 := <-c2:
//           fmt.Println("received", msg2)
//       }
//   }
//
//   // 2. timeouts (Go by Example): a select with time.After.
//   c1 := make(chan string, 1)
//   go func() { time.Sleep(2 * time.Second); c1 <- "result 1" }()
//   select {
//   case res := <-c1:
//       fmt.Println(res)
//   case <-time.After(1 * time.Second):
//       fmt.Println("timeout 1")
//   }
//   c2 := make(chan string, 1)
//   go func() { time.Sleep(2 * time.Second); c2 <- "result 2" }()
//   select {
//   case res := <-c2:
//       fmt.Println(res)
//   case <-time.After(3 * time.Second):
//       fmt.Println("timeout 2")
//   }
//
//   // 3. non-blocking channel operations (Go by Example): select with default.
//   messages := make(chan string)
//   signals := make(chan bool)
//   select {
//   case msg := <-messages:
//       fmt.Println("received message", msg)
//   default:
//       fmt.Println("no message received")
//   }
//   msg := "hi"
//   select {
//   case messages <- msg:
//       fmt.Println("sent message", msg)
//   default:
//       fmt.Println("no message sent")
//   }
//   select {
//   case msg := <-messages:
//       fmt.Println("received message", msg)
//   case sig := <-signals:
//       fmt.Println("received signal", sig)
//   default:
//       fmt.Println("no activity")
//   }
//
//   // 4. the quit channel (A Tour of Go, "Select"): a generator that stops when told to.
//   func fibonacci(c, quit chan int) {
//       x, y := 0, 1
//       for {
//           select {
//           case c <- x:
//               x, y = y, x+y
//           case <-quit:
//               fmt.Println("quit")
//               return
//           }
//       }
//   }
//   c := make(chan int)
//   quit := make(chan int)
//   go func() {
//       for i := 0; i < 10; i++ {
//           fmt.Println(<-c)
//       }
//       quit <- 0
//   }()
//   fibonacci(c, quit)
//
// In C++ a receive case's handler takes std::optional<T> (std::nullopt: the channel is closed),
// a send case's handler takes nothing, and select returns the index of the case it chose. A
// send case refers to its argument and moves from it only if it is chosen: `msg` below is
// still "hi" after the send case lost to the default.
//
// Part 1's two messages arrive 200 ms apart, so they come in the order of their delays. Part 2
// mixes implementations: the result channel is a csp::mutex_based::channel and csp::after()
// hands out a lock-free one; one select waits on both. Part 4 closes `quit` instead of sending
// on it: a receive case on a closed channel is always ready (it receives std::nullopt), so one
// close stops any number of generators — Go's idiom for a done channel.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <csp/channel.hpp>
#include <csp/mutex_based/channel.hpp>
#include <csp/select.hpp>
#include <csp/time.hpp>
#include <csp/wait_group.hpp>

using namespace std::chrono_literals;

namespace {

// A receive case's value: std::nullopt would mean the channel was closed (none is, here).
void print(const char* prefix, const std::optional<std::string>& msg) {
  std::printf("%s%s\n", prefix, msg ? msg->c_str() : "(closed)");
}

void two_channels() {
  csp::wait_group wg;
  csp::channel<std::string> c1;
  csp::channel<std::string> c2;
  wg.go([c1] {
    std::this_thread::sleep_for(50ms);
    c1.send("one");
  });
  wg.go([c2] {
    std::this_thread::sleep_for(250ms);
    c2.send("two");
  });
  for (int i = 0; i < 2; ++i) {
    csp::select(
        csp::on_recv(c1, [](const std::optional<std::string>& msg) { print("received ", msg); }),
        csp::on_recv(c2, [](const std::optional<std::string>& msg) { print("received ", msg); }));
  }
  wg.wait();
}

void timeouts() {
  csp::wait_group wg;
  // Capacity 1, as in Go: the late sender does not block forever once nobody listens.
  csp::mutex_based::channel<std::string> c1(1);
  wg.go([c1] {
    std::this_thread::sleep_for(150ms);
    c1.send("result 1");
  });
  csp::select(csp::on_recv(c1, [](const std::optional<std::string>& res) { print("", res); }),
              csp::on_recv(csp::after(20ms), [] { std::printf("timeout 1\n"); }));

  csp::mutex_based::channel<std::string> c2(1);
  wg.go([c2] {
    std::this_thread::sleep_for(20ms);
    c2.send("result 2");
  });
  csp::select(csp::on_recv(c2, [](const std::optional<std::string>& res) { print("", res); }),
              csp::on_recv(csp::after(1s), [] { std::printf("timeout 2\n"); }));
  wg.wait();
}

void non_blocking() {
  csp::channel<std::string> messages;
  csp::channel<bool> signals;
  csp::select(
      csp::on_recv(messages,
                   [](const std::optional<std::string>& msg) { print("received message ", msg); }),
      csp::on_default([] { std::printf("no message received\n"); }));

  // Unbuffered and nobody receives: the send case cannot proceed, the default runs.
  std::string msg = "hi";
  csp::select(csp::on_send(messages, std::move(msg), [] { std::printf("sent message\n"); }),
              csp::on_default([] { std::printf("no message sent\n"); }));
  // NOLINTNEXTLINE(bugprone-use-after-move): a send case that loses never moves its argument.
  std::printf("msg is still \"%s\"\n", msg.c_str());

  csp::select(
      csp::on_recv(messages,
                   [](const std::optional<std::string>& m) { print("received message ", m); }),
      csp::on_recv(signals,
                   [](std::optional<bool> sig) {
                     std::printf("received signal %d\n", sig.value_or(false) ? 1 : 0);
                   }),
      csp::on_default([] { std::printf("no activity\n"); }));
}

void fibonacci(const csp::send_only<int>& c, const csp::recv_only<int>& quit) {
  int x = 0;
  int y = 1;
  for (bool running = true; running;) {
    csp::select(csp::on_send(c, x,
                             [&] {
                               const int next = x + y;
                               x = y;
                               y = next;
                             }),
                csp::on_recv(quit, [&] {
                  std::printf("quit\n");
                  running = false;
                }));
  }
}

void quit_channel() {
  csp::wait_group wg;
  csp::channel<int> c;
  csp::channel<int> quit;
  wg.go([c, quit] {
    for (int i = 0; i < 10; ++i) std::printf("%d\n", c.recv().value_or(-1));
    quit.close();  // Go's `quit <- 0`; a close reaches every select waiting on quit
  });
  fibonacci(c, quit);
  wg.wait();
}

}  // namespace

int main() {
  std::printf("-- select\n");
  two_channels();
  std::printf("-- timeouts\n");
  timeouts();
  std::printf("-- non-blocking\n");
  non_blocking();
  std::printf("-- quit channel\n");
  quit_channel();
  return 0;
}
