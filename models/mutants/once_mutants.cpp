// models/mutants/once_mutants.cpp — the once and lazy exhibits of the bug museum.
//
// Each entry instantiates a shipped once (directly, or under lazy<T>) with one planted bug (a
// mutation point in its header, named in its "Incorrect alternatives" comment) and runs the
// suite that must expose it, expecting Relacy's verdict. The test passes only if the bug is
// caught as expected.
#include "../once_suites.hpp"

namespace {

using namespace csp::models;
namespace lfm = csp::lock_free::mutation;
namespace mbm = csp::mutex_based::mutation;

template <class Mutant>
using lf = csp::lock_free::basic_once<relacy_backend<Mutant>>;
template <class Mutant>
using mb = csp::mutex_based::basic_once<relacy_backend<Mutant>>;

}  // namespace

int main(int argc, char** argv) {
  // The broken double-checked singleton: a relaxed fast-path load returns the value unordered.
  add<once_model::lazy_publish<lf<lfm::once_lf_relaxed_fast_path>, 2, rl::test_result_data_race>>(
      "once_lf_relaxed_fast_path", search::full());
  add<once_model::lazy_publish<mb<mbm::once_mb_relaxed_fast_path>, 2, rl::test_result_data_race>>(
      "once_mb_relaxed_fast_path", search::full());
  // done published before f runs: a second caller returns while f is still writing.
  add<once_model::publish<lf<lfm::once_lf_done_before_run>, 2, rl::test_result_data_race>>(
      "once_lf_done_before_run", search::full());
  add<once_model::publish<mb<mbm::once_mb_done_before_run>, 2, rl::test_result_data_race>>(
      "once_mb_done_before_run", search::full());
  // the reset after a throw forgets the parked callers: they sleep forever.
  add<once_model::retry_after_throw<lf<lfm::once_lf_throw_no_wake>, 2, rl::test_result_deadlock>>(
      "once_lf_throw_no_wake", search::full());
  return csp::models::main(argc, argv);
}
