// models/harness.hpp — run Relacy suites by name and report what each one explored.
//
// A model binary registers its suites with a search strategy; `main` runs all of them, or the
// ones named on the command line, and prints one line per suite:
//
//   [model]  wg.publish.1w1w<lock_free>  full search  2,344 schedules  SUCCESS  0.1 s
//   [mutant] wg_lf_relaxed_done          bound 2      caught DATA RACE at schedule 3
//
// A suite passes when Relacy's result equals the suite's expected result: success for a model,
// the planted failure (data race, deadlock, ...) for a mutant. A mutant that survives fails the
// run. Set CSP_MODEL_VERBOSE=1 to see Relacy's full history of a mutant's failing schedule
// (models expected to succeed always print it when they fail).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <streambuf>
#include <string>
#include <vector>

#include "relacy_backend.hpp"

namespace csp::models {

// `make check-long` sets CSP_MODEL_DEEP: suites too large for `make check` at their deep bound
// register a shallower one for the default run (see select_model.cpp).
inline bool deep_search() {
  return std::getenv("CSP_MODEL_DEEP") != nullptr;
}

struct search {
  rl::scheduler_type_e type = rl::sched_full;
  unsigned context_bound = 1;
  rl::iteration_t iterations = 0;  // random scheduler only

  static search full() { return {rl::sched_full, 0, 0}; }
  static search bound(unsigned b) { return {rl::sched_bound, b, 0}; }
  static search random(rl::iteration_t n) { return {rl::sched_random, 0, n}; }

  std::string describe() const {
    switch (type) {
      case rl::sched_full: return "full search";
      case rl::sched_bound: return "bound " + std::to_string(context_bound);
      default: return "random " + std::to_string(iterations);
    }
  }
};

// Discards Relacy's output without allocating (an allocating stream corrupts Relacy's heap).
class null_buffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

inline std::ostream& null_stream() {
  static null_buffer buf;
  static std::ostream os(&buf);
  return os;
}

inline std::string thousands(unsigned long long n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

struct entry {
  std::string name;
  std::function<bool()> run;
};

inline std::vector<entry>& registry() {
  static std::vector<entry> r;
  return r;
}

template <class Suite>
bool run_suite(const std::string& name, search how) {
  constexpr rl::test_result_e expected = Suite::params::expected_result;
  constexpr bool is_mutant = expected != rl::test_result_success;
  const bool verbose = std::getenv("CSP_MODEL_VERBOSE") != nullptr;

  rl::test_params p;
  p.search_type = how.type;
  p.context_bound = how.context_bound;
  if (how.type == rl::sched_random) p.iteration_count = how.iterations;
  p.output_stream = (!is_mutant || verbose) ? &std::cout : &null_stream();
  p.progress_stream = &null_stream();

  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = rl::simulate<Suite>(p);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  char line[512];
  if (!is_mutant) {
    std::snprintf(line, sizeof line, "[model]  %-44s %-12s %12s schedules  %s  %.1f s",
                  name.c_str(), how.describe().c_str(), thousands(p.stop_iteration).c_str(),
                  rl::test_result_str(p.test_result), secs);
  } else if (ok) {
    std::snprintf(line, sizeof line, "[mutant] %-44s %-12s caught %s at schedule %s  %.1f s",
                  name.c_str(), how.describe().c_str(), rl::test_result_str(p.test_result),
                  thousands(p.stop_iteration).c_str(), secs);
  } else {
    std::snprintf(line, sizeof line,
                  "[mutant] %-44s %-12s NOT CAUGHT: expected %s, got %s after %s schedules",
                  name.c_str(), how.describe().c_str(), rl::test_result_str(expected),
                  rl::test_result_str(p.test_result), thousands(p.stop_iteration).c_str());
  }
  std::cout << line << std::endl;
  return ok;
}

// Registers Suite under `name`, searched with `how`.
template <class Suite>
void add(std::string name, search how) {
  registry().push_back({name, [name, how] { return run_suite<Suite>(name, how); }});
}

// Runs the registered suites (all, or those named in argv); 0 iff all gave their expected
// result. `--list` prints the names. `--with=TEXT` / `--without=TEXT` (any number of each)
// select the suites whose names contain one of the --with texts (any name if none is given) and
// none of the --without texts: CMake splits a long binary into CTest entries that way, so that
// `make check` spreads it over both cores (csp_add_model's SPLIT).
inline int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& e : registry()) std::cout << e.name << '\n';
    return 0;
  }
  const auto filter = [](const char* a) {
    return std::strncmp(a, "--with=", 7) == 0 || std::strncmp(a, "--without=", 10) == 0;
  };
  if (argc >= 2 && std::all_of(argv + 1, argv + argc, filter)) {
    std::vector<std::string> with;
    std::vector<std::string> without;
    for (int i = 1; i < argc; ++i) {
      (std::strncmp(argv[i], "--with=", 7) == 0 ? with : without)
          .emplace_back(std::strchr(argv[i], '=') + 1);
    }
    const auto contains = [](const std::string& name, const std::vector<std::string>& texts) {
      return std::any_of(texts.begin(), texts.end(),
                         [&](const std::string& t) { return name.find(t) != std::string::npos; });
    };
    std::vector<std::string> names;
    for (const auto& e : registry()) {
      if ((with.empty() || contains(e.name, with)) && !contains(e.name, without)) {
        names.push_back(e.name);
      }
    }
    std::vector<char*> args{argv[0]};
    for (auto& n : names) args.push_back(n.data());
    if (names.empty()) args.push_back(const_cast<char*>("--none"));  // reports "no suite"
    return main(static_cast<int>(args.size()), args.data());
  }
  // CSP_MODEL_FAIL_FAST: stop at the first suite that does not give its expected result
  // (tools/order_matrix.sh wants to know whether any model catches a weakened order).
  const bool fail_fast = std::getenv("CSP_MODEL_FAIL_FAST") != nullptr;
  int failed = 0;
  int ran = 0;
  for (const auto& e : registry()) {
    bool selected = argc < 2;
    for (int i = 1; i < argc; ++i) selected = selected || e.name == argv[i];
    if (!selected) continue;
    ++ran;
    if (!e.run()) ++failed;
    if (failed != 0 && fail_fast) break;
  }
  if (ran == 0) {
    std::cerr << "no suite matches the arguments; --list shows the names\n";
    return 2;
  }
  std::cout << ran - failed << " of " << ran << " suites gave their expected result\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace csp::models
