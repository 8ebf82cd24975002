// models/mutants/mutex_mutants.cpp — the futex mutex exhibits of the bug museum.
//
// Each entry instantiates the shipped lock_free mutex with one planted bug (a mutation point in
// its header, named in its "Incorrect alternatives" comment) and runs the suite that must expose
// it, expecting Relacy's verdict. The test passes only if the bug is caught as expected.
#include "../mutex_suites.hpp"

namespace {

using namespace csp::models;
namespace lfm = csp::lock_free::mutation;

// Without the spin before parking (see models/mutex_model.cpp): every contended lock() parks.
template <class Mutant>
using lf = csp::lock_free::basic_mutex<relacy_backend<Mutant, 0>>;

}  // namespace

int main(int argc, char** argv) {
  // unlock() releases the word but never wakes: a parked locker sleeps forever.
  add<mutex_model::exclusion<lf<lfm::mutex_lf_unlock_no_wake>, 2, 1, rl::test_result_deadlock>>(
      "mutex_lf_unlock_no_wake", search::full());
  // a woken locker takes the lock as 1: with two parked, its unlock wakes nobody.
  add<mutex_model::exclusion<lf<lfm::mutex_lf_wake_forgets_waiters>, 3, 1,
                             rl::test_result_deadlock>>("mutex_lf_wake_forgets_waiters",
                                                        search::bound(3));
  // unlock() releases relaxed: the next critical section is unordered with this one.
  add<mutex_model::exclusion<lf<lfm::mutex_lf_relaxed_unlock>, 2, 1, rl::test_result_data_race>>(
      "mutex_lf_relaxed_unlock", search::full());
  return csp::models::main(argc, argv);
}
