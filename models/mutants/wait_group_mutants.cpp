// models/mutants/wait_group_mutants.cpp — the wait_group exhibits of the bug museum.
//
// Each entry instantiates a shipped wait_group with one planted bug (a mutation point in its
// header, named in its "Incorrect alternatives" comment) and runs the suite that must expose
// it, expecting Relacy's verdict. The test passes only if the bug is caught as expected.
#include "../wait_group_suites.hpp"

namespace {

using namespace csp::models;
namespace lfm = csp::lock_free::mutation;
namespace mbm = csp::mutex_based::mutation;

template <class Mutant>
using lf = csp::lock_free::basic_wait_group<relacy_backend<Mutant>>;
template <class Mutant>
using mb = csp::mutex_based::basic_wait_group<relacy_backend<Mutant>>;

}  // namespace

int main(int argc, char** argv) {
  // done() publishes with a relaxed CAS: the waiter reads the task's data unordered.
  add<wg::publish_1w1w<lf<lfm::wg_lf_relaxed_done>, rl::test_result_data_race>>(
      "wg_lf_relaxed_done", search::full());
  // done() wakes before its CAS publishes the zero: the waiter re-parks and is never woken.
  add<wg::publish_1w1w<lf<lfm::wg_lf_notify_before_update>, rl::test_result_deadlock>>(
      "wg_lf_notify_before_update", search::full());
  // wait() ignores the epoch: reuse strands the waiter in the next cycle.
  add<wg::reuse<lf<lfm::wg_lf_ignore_epoch>, rl::test_result_deadlock>>("wg_lf_ignore_epoch",
                                                                        search::full());
  // notify_one() at the zero transition: the second waiter sleeps forever.
  add<wg::two_waiters<mb<mbm::wg_mb_notify_one>, rl::test_result_deadlock>>("wg_mb_notify_one",
                                                                            search::bound(2));
  // the predicate read before taking the mutex: an unordered read of the state.
  add<wg::publish_1w1w<mb<mbm::wg_mb_check_outside_lock>, rl::test_result_data_race>>(
      "wg_mb_check_outside_lock", search::full());
  return csp::models::main(argc, argv);
}
