// Must race: the broken double-checked singleton. csp's own singleton and lazy, instantiated
// over a backend that plants the mutation `once_lf_relaxed_fast_path` (the once's fast-path load
// relaxed instead of acquire), with a plain payload. A thread that finds the once done on the
// fast path then reads the payload with no happens-before edge from its construction. The TSan
// lane runs this and passes only if ThreadSanitizer reports the data race: the lane sees
// through csp's atomics, and the relaxed load is exactly what the relaxed-fast-path mutant in
// models/mutants/once_mutants.cpp is about.
//
// Two runs, two CTest tests:
//   (no argument)  singleton: deterministic, not lucky — the reader waits for the builder on a
//                  relaxed flag (which TSan, like the C++ memory model, does not count as
//                  synchronization), so it always takes the fast path and reads unordered;
//   lazy           fresh lazies raced by two threads, round after round, the way a real
//                  program would hit it, the second arriving a little later each round: when
//                  it comes after the first has built the value, it takes the fast path. Both
//                  threads stay alive until both have read (a latch after the read, which orders
//                  nothing before it). With threads that exit at once this program was silent (0
//                  reports in 20 runs of 500 rounds), most likely because ThreadSanitizer's runtime
//                  reuses a finished thread's slot for the next thread created, and compares
//                  accesses by slot.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <latch>
#include <thread>

#include <csp/once.hpp>

namespace {

struct racy_backend : csp::sync::std_backend {
  using mutant = csp::lock_free::mutation::once_lf_relaxed_fast_path;
};
using broken_once = csp::lock_free::basic_once<racy_backend>;

// Deliberately plain, and written by a constructor as a scalar store in its own 8 bytes.
// ThreadSanitizer keeps a few access records per 8 bytes; with the value beside the once's state
// word (as in a lazy), whose atomic accesses share those records, 1 run in 20 was silent, and a
// 64-byte-aligned payload (which g++ builds as one aggregate store) was never reported at all.
struct payload {
  payload() {}  // NOLINT(modernize-use-equals-default): keep the stores scalar and visible
  long before = 1;
  int value = 42;
};

int read_singleton_after_it_was_built() {
  // relaxed, all of them: the handshake must not create the edge the mutant removed.
  std::atomic<bool> built{false};
  std::atomic<bool> read{false};
  int seen = 0;
  std::thread builder([&] {
    (void)csp::singleton<payload, broken_once>::instance();
    built.store(true, std::memory_order_relaxed);                             // relaxed
    while (!read.load(std::memory_order_relaxed)) std::this_thread::yield();  // relaxed
  });
  std::thread reader([&] {
    while (!built.load(std::memory_order_relaxed)) std::this_thread::yield();  // relaxed
    seen = csp::singleton<payload, broken_once>::instance().value;  // fast path: unordered read
    read.store(true, std::memory_order_relaxed);                    // relaxed
  });
  builder.join();
  reader.join();
  return seen;
}

int race_fresh_lazies(int rounds) {
  int sum = 0;
  for (int r = 0; r < rounds; ++r) {
    csp::lazy<payload, broken_once> lazy([] { return payload{}; });
    int got[2] = {0, 0};  // one slot per thread, read after join()
    std::latch start(2);
    std::latch end(2);
    const auto use = [&](int i) {
      start.arrive_and_wait();
      // Thread 1 arrives a little later each round (yields order nothing), so in some rounds it
      // comes after thread 0 has built the value: it takes the fast path and reads unordered.
      for (int k = 0; k < i * (r % 32); ++k) std::this_thread::yield();
      got[i] = lazy->value;
      end.arrive_and_wait();
    };
    std::thread a(use, 0);
    std::thread b(use, 1);
    a.join();
    b.join();
    sum += got[0] + got[1];
  }
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "lazy") == 0) {
    std::printf("lazies summed %d (ThreadSanitizer should have reported)\n",
                race_fresh_lazies(500));
  } else {
    std::printf("singleton read %d (ThreadSanitizer should have reported)\n",
                read_singleton_after_it_was_built());
  }
  return 0;
}
