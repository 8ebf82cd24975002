// Must race: a plain int incremented from two threads with no synchronization. The TSan lane
// runs this and passes only if ThreadSanitizer reports the data race, which proves the lane is
// live (instrumented, options applied, reports reaching CTest).
#include <cstdio>
#include <thread>

int main() {
  int counter = 0;  // deliberately not atomic
  std::thread a([&] {
    for (int i = 0; i < 100000; ++i) ++counter;
  });
  std::thread b([&] {
    for (int i = 0; i < 100000; ++i) ++counter;
  });
  a.join();
  b.join();
  std::printf("counter = %d (a correct program would print 200000)\n", counter);
  return 0;
}
