// The main() of benchmarks whose peers are glibc synchronization objects.
//
// glibc runs std::mutex (pthread_mutex) and std::call_once (pthread_once) without atomic
// instructions while the process has never had a second thread — which no program that needs a
// mutex or a once is. So the process is made multi-threaded before any benchmark runs;
// otherwise the std:: rows would measure a path real programs never take.
#include <benchmark/benchmark.h>

#include <thread>

int main(int argc, char** argv) {
  std::thread([] {}).join();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
