// Go's sync.Once, OnceValue and the concurrent singleton, in C++.
//
// The Go program this started from (the example in Go's sync package documentation, with a
// OnceValue beside it):
//
//   package main
//
//   import (
//       "fmt"
//       "sync"
//   )
//
//   func main() {
//       var once sync.Once
//       onceBody := func() {
//           fmt.Println("Only once")
//       }
//       done := make(chan bool)
//       for i := 0; i < 10; i++ {
//           go func() {
//               once.Do(onceBody)
//               done <- true
//           }()
//       }
//       for i := 0; i < 10; i++ {
//           <-done
//       }
//
//       config := sync.OnceValue(func() map[string]string {
//           fmt.Println("loading config")
//           return map[string]string{"greeting": "hello"}
//       })
//       fmt.Println(config()["greeting"], config()["greeting"])
//   }
//
// csp::once is sync.Once (once.call is once.Do); csp::lazy<T> is OnceValue; and
// csp::singleton<T>::instance() is the concurrent singleton — one process-wide T, built by the
// first caller from any thread, with no magic static and no double-checked locking bug. A
// goroutine is a thread; the `done` channel becomes a csp::wait_group.
#include <atomic>
#include <cstdio>
#include <map>
#include <string>

#include <csp/once.hpp>
#include <csp/wait_group.hpp>

namespace {

// The classic singleton: its constructor counts how often it runs.
class registry {
 public:
  registry() { ++constructions; }
  static inline std::atomic<int> constructions{0};
  std::string name = "the registry";
};

}  // namespace

int main() {
  constexpr int goroutines = 10;

  // 1. sync.Once: ten goroutines call once.Do(onceBody); the body runs once.
  csp::once once;
  std::atomic<int> bodies{0};
  const auto once_body = [&] {
    std::printf("Only once\n");
    ++bodies;
  };
  csp::wait_group done;
  for (int i = 0; i < goroutines; ++i) done.go([&] { once.call(once_body); });
  done.wait();
  std::printf("once.call from %d goroutines: the body ran %d time(s)\n", goroutines, bodies.load());

  // 2. OnceValue: the config is loaded by the first use; every later use sees the same map.
  csp::lazy<std::map<std::string, std::string>> config([] {
    std::printf("loading config\n");
    return std::map<std::string, std::string>{{"greeting", "hello"}};
  });
  std::printf("%s %s\n", config->at("greeting").c_str(), config->at("greeting").c_str());

  // 3. The concurrent singleton: every goroutine asks for the instance; one is built, and each
  //    goroutine sees it fully constructed.
  std::atomic<const registry*> first{nullptr};
  std::atomic<int> same{0};
  for (int i = 0; i < goroutines; ++i) {
    done.go([&] {
      const registry& r = csp::singleton<registry>::instance();
      const registry* expected = nullptr;
      first.compare_exchange_strong(expected, &r);
      if (first.load() == &r && r.name == "the registry") ++same;
    });
  }
  done.wait();
  std::printf("singleton: %d goroutines saw the same instance; constructed %d time(s)\n",
              same.load(), registry::constructions.load());
  return 0;
}
