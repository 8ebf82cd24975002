// models/mutants/channel_mutants.cpp — the channel exhibits of the bug museum.
//
// Each entry is a shipped channel with one planted bug (a mutation point named in its header's
// "Incorrect alternatives") run against the suite that must expose it, expecting Relacy's
// verdict. The test passes only if the bug is caught as expected.
#include "../channel_suites.hpp"
#include "csp/lock_free/channel.hpp"
#include "csp/mutex_based/channel.hpp"

namespace {

using namespace csp::models;
namespace mbm = csp::mutex_based::mutation;

template <class Mutant>
using mb = csp::mutex_based::channel<int, relacy_backend<Mutant>>;

namespace lfm = csp::lock_free::mutation;
namespace dm = csp::detail::mutation;
template <class Mutant, unsigned Cells = 2>
using lf = csp::lock_free::channel<int, relacy_backend<Mutant, 1, Cells>>;
// No spin before parking: the waiter queues' re-checks are not masked by a pause's yield.
template <class Mutant>
using lf_no_spin = csp::lock_free::channel<int, relacy_backend<Mutant, 0, 2>>;

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

  // The lock-free channel (lock_free/ring.hpp, rendezvous.hpp) and its parts.
  // The publish relaxed: the receiver reads the staged value unordered.
  add<chan::spsc<lf<lfm::ring_relaxed_publish>, 1, rl::test_result_data_race>>(
      "ring_relaxed_publish", search::bound(2));
  // The claim acq_rel instead of seq_cst: the sender parked on a full buffer misses it.
  add<chan::capacity_edge<lf_no_spin<lfm::ring_claim_acq_rel>, rl::test_result_deadlock>>(
      "ring_claim_acq_rel", search::random(200000));
  // The tail hint advanced before the publish (Vyukov's reservation): a later send publishes
  // past an unpublished position, and try_recv says empty after it completed.
  add<chan::no_false_empty<lf<lfm::ring_hint_before_publish>, 2,
                           rl::test_result_user_assert_failed>>("ring_hint_before_publish",
                                                                search::bound(3));
  // The walk reloads the tail hint instead of jumping past a moved-on word: a hint stored
  // late keeps the next sender spinning behind the frontier.
  add<chan::late_hint<lf<lfm::ring_stale_hint_reload>, 2, rl::test_result_livelock>>(
      "ring_stale_hint_reload", search::bound(2));
  // close() seals only an empty frontier: a sender blocked on a full buffer never learns.
  add<chan::blocked_sender_at_close<lf<lfm::ring_close_skips_full>, 1, rl::test_result_deadlock>>(
      "ring_close_skips_full", search::bound(2));
  // The overflow free stack's push relaxed: a sender stages into a slot the receiver is still
  // seen moving out of.
  add<chan::overflow<lf<lfm::ring_relaxed_free_push>, 1, rl::test_result_data_race>>(
      "ring_relaxed_free_push", search::random(50000));
  // The rendezvous link relaxed: the partner reads the waiter's record unordered.
  add<chan::spsc<lf<lfm::rdv_relaxed_link>, 0, rl::test_result_data_race>>("rdv_relaxed_link",
                                                                           search::bound(2));
  // The landing store relaxed (N1): the receiver watching its cell reads the value landed
  // there unordered with the sender's write of it.
  add<chan::spsc<lf<lfm::rdv_relaxed_landed>, 0, rl::test_result_data_race>>("rdv_relaxed_landed",
                                                                             search::bound(2));
  // The watching receiver's load relaxed (N3): the same race, from the receiver's side.
  add<chan::spsc<lf<lfm::rdv_landing_load_relaxed>, 0, rl::test_result_data_race>>(
      "rdv_landing_load_relaxed", search::bound(2));
  // One cell: a timed sender finds a plain sender's value still landed for a receiver that
  // has not taken it, and evicts it. Its claim relaxed (N2): it reads the value and the
  // receiver's record unordered with their writes. (A blocked sender that evicts read the
  // landing with acquire before: mpsc does not catch this one. Random: bound 1 catches it
  // too, at schedule 1,472,421 of 1,483,909; bound 2 ran for over 18 minutes.)
  add<chan::timed_evictor<lf<lfm::rdv_relaxed_evict, 1>, rl::test_result_data_race>>(
      "rdv_relaxed_evict", search::random(200000));
  // The eviction without a claim (a look, then a store): it moves the value while the
  // receiver claims and takes it too.
  add<chan::mpsc<lf<lfm::rdv_evict_unclaimed, 1>, 0, rl::test_result_data_race>>(
      "rdv_evict_unclaimed", search::bound(2));
  // The receiver takes its landed value before it claims the cell: an evictor may win the
  // cell and move the same value.
  add<chan::mpsc<lf<lfm::rdv_take_before_claim, 1>, 0, rl::test_result_data_race>>(
      "rdv_take_before_claim", search::bound(2));
  // A try operation reads its own counter (lo) relaxed: it answers `closed` on a cut bit it
  // read unordered with the close, and reads what preceded close() racing with it.
  add<chan::try_recv_at_close<lf<lfm::rdv_try_lo_relaxed>, 0, rl::test_result_data_race>>(
      "rdv_try_lo_relaxed", search::bound(2));
  // And its partners' counter (hi).
  add<chan::try_recv_at_close<lf<lfm::rdv_try_hi_relaxed>, 0, rl::test_result_data_race>>(
      "rdv_try_hi_relaxed", search::bound(2));
  // The scan's load relaxed: the try_recv claims the sender it found and reads its record with
  // no happens-before from the sender's link.
  add<chan::try_recv_meets_sender<lf<lfm::rdv_try_scan_relaxed>, 0, rl::test_result_data_race>>(
      "rdv_try_scan_relaxed", search::bound(3));
  // A waiter linking after close's sweep does not check the closed bit: it sleeps forever.
  add<chan::close_during_transfer<lf<lfm::rdv_link_ignores_close, 1>, rl::test_result_deadlock>>(
      "rdv_link_ignores_close", search::random(500000));
  // The event count's announcement relaxed: a receiver waiting for a rendezvous cell parks
  // after close's check missed it.
  add<chan::receivers_beyond_cells_at_close<lf<dm::ec_relaxed_prepare, 1>,
                                            rl::test_result_deadlock>>("ec_relaxed_prepare",
                                                                       search::bound(2));
  // A notifier that finds the waiter queue locked trusts the holder to see its change; the
  // holder is the other sender, popping the other receiver: one receiver sleeps on.
  add<chan::mpmc<lf_no_spin<dm::wq_notify_skips_locked>, 2, rl::test_result_deadlock>>(
      "wq_notify_skips_locked", search::bound(1));
  // The holder lets the waiter queue's lock go over an owed notify without paying it.
  add<chan::mpmc<lf_no_spin<dm::wq_unlock_forgets_debt>, 2, rl::test_result_deadlock>>(
      "wq_unlock_forgets_debt", search::bound(1));
  // The parker's outcome published relaxed: the woken receiver reads the sender's data
  // unordered.
  add<chan::spsc<lf<dm::parker_relaxed_unpark>, 0, rl::test_result_data_race>>(
      "parker_relaxed_unpark", search::bound(2));
  // The parker without its NOTIFYING phase: the owner sees the outcome, returns and its frame
  // dies while the waker is still about to wake it. The lifetime shadow (relacy_backend.hpp,
  // alive_) reports the notify unordered with the destruction as a DATA RACE, at schedule 845;
  // without it Relacy's ACCESS TO FREED MEMORY came when the wake ran after the destructor.
  add<chan::spsc<lf_no_spin<dm::parker_no_notifying_phase>, 0, rl::test_result_data_race>>(
      "parker_no_notifying_phase", search::bound(3));
  // The NOTIFYING phase ended by a relaxed store: the owner sees it clear and its frame dies
  // unordered with the waker's notify, a use of the object (DATA RACE on its lifetime).
  add<chan::spsc<lf_no_spin<dm::parker_relaxed_wake_done>, 0, rl::test_result_data_race>>(
      "parker_relaxed_wake_done", search::bound(3));
  return csp::models::main(argc, argv);
}
