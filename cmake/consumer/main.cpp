// Uses the installed headers through csp::csp; exits 0 when a wait group counts correctly.
#include <atomic>
#include <cstdio>

#include <csp/csp.hpp>

int main() {
  std::atomic<int> sum{0};
  csp::wait_group wg;
  for (int i = 1; i <= 4; ++i) wg.go([&sum, i] { sum += i; });
  wg.wait();
  std::printf("consumer: sum = %d\n", sum.load());
  return sum.load() == 10 ? 0 : 1;
}
