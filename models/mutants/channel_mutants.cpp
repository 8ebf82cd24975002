// models/mutants/channel_mutants.cpp — the channel exhibits of the bug museum.
//
// Each entry is a shipped channel with one planted bug (a mutation point named in its header's
// "Incorrect alternatives") run against the suite that must expose it, expecting Relacy's
// verdict. The test passes only if the bug is caught as expected.
#include "../channel_suites.hpp"
#include "csp/mutex_based/channel.hpp"

namespace {

using namespace csp::models;
namespace mbm = csp::mutex_based::mutation;

template <class Mutant>
using mb = csp::mutex_based::channel<int, relacy_backend<Mutant>>;

}  // namespace

int main(int argc, char** argv) {
  // close() forgets the blocked senders: the sender sleeps forever instead of throwing.
  add<chan::blocked_sender_at_close<mb<mbm::ch_mb_close_skips_senders>, 0,
                                    rl::test_result_deadlock>>("ch_mb_close_skips_senders",
                                                               search::full());
  // One condition variable for the channel, signalled with notify_one: the signal reaches the
  // waiter whose operation did not complete, and the one whose did sleeps on. Relacy's fair
  // full and context-bound searches do not reach the schedule (the woken thread must run
  // between the sender's two operations); its random scheduler does at once.
  add<chan::two_blocked_receivers<mb<mbm::ch_mb_shared_cv_notify_one>, 0,
                                  rl::test_result_deadlock>>("ch_mb_shared_cv_notify_one",
                                                             search::random(100000));
  // The waiter reads its outcome without the mutex before sleeping.
  add<chan::spsc<mb<mbm::ch_mb_check_outside_lock>, 0, rl::test_result_data_race>>(
      "ch_mb_check_outside_lock", search::full());
  return csp::models::main(argc, argv);
}
