// models/mutants/select_mutants.cpp — the select exhibits of the bug museum.
//
// Each entry is the shipped select and channels with one planted bug (a mutation point named in
// the "Incorrect alternative" comments of select.hpp, select_ctx.hpp, watch_list.hpp, ring.hpp,
// rendezvous.hpp and mutex_based/channel.hpp), run against the suite of select_suites.hpp that
// must expose it, expecting Relacy's verdict. The test passes only if the bug is caught.
#include "../channel_suites.hpp"
#include "../select_suites.hpp"
#include "csp/lock_free/channel.hpp"
#include "csp/mutex_based/channel.hpp"

namespace {

using namespace csp::models;
namespace dm = csp::detail::mutation;
namespace lfm = csp::lock_free::mutation;
namespace mbm = csp::mutex_based::mutation;

template <class Mutant>
using lf = csp::lock_free::channel<int, relacy_backend<Mutant>>;
template <class Mutant>
using mb = csp::mutex_based::channel<int, relacy_backend<Mutant>>;

}  // namespace

int main(int argc, char** argv) {
  // The claim as "look, then write": the select is claimed by the sender on a and, at the same
  // time, completes its case on c itself; a value whose send returned is never received.
  add<sel::exactly_one_of_two<lf<dm::select_claim_not_exclusive>,
                              lf<dm::select_claim_not_exclusive>, 0, 0,
                              rl::test_result_user_assert_failed>>("select_claim_not_exclusive",
                                                                   search::bound(1));
  // A claim that decides an enlisting select: the select completes its case on c itself (take)
  // while the sender on a claims it for the other — two cases commit, and a value whose send
  // returned is never received.
  add<sel::exactly_one_of_two<lf<dm::select_claim_ignores_enlisting>,
                              lf<dm::select_claim_ignores_enlisting>, 0, 0,
                              rl::test_result_user_assert_failed>>("select_claim_ignores_enlisting",
                                                                   search::bound(1));
  // A select's delist() reads its cell relaxed: the select returns and its case's record dies
  // unordered with a claimer that read the record and lost the select's claim (DATA RACE on
  // the record's lifetime, csp/sync/mutation.hpp lifetime).
  add<sel::exactly_one_of_two<lf<lfm::rdv_relaxed_delist>, lf<lfm::rdv_relaxed_delist>, 0, 0,
                              rl::test_result_data_race>>("rdv_relaxed_delist", search::bound(1));
  // The rendezvous sends a party back (the transfer threw) with the outcome `done`: a waiting
  // sender returns as if its value had been taken, and the receiver, retrying, waits forever.
  add<chan::throwing_transfer<
      csp::lock_free::channel<chan::flaky, relacy_backend<lfm::rdv_send_back_frees>>,
      rl::test_result_deadlock>>("rdv_send_back_frees", search::bound(2));
  // The rendezvous' try operations look only for plain waiters: a try_send passes over a select
  // that waits to receive.
  add<sel::try_send_finds_select<lf<lfm::rdv_try_ignores_selects>,
                                 rl::test_result_user_assert_failed>>("rdv_try_ignores_selects",
                                                                      search::bound(3));
  // A buffered channel's publish does not notify its watchers: the select sleeps on.
  add<sel::wake_by_send<lf<lfm::ring_publish_skips_watchers>, lf<lfm::ring_publish_skips_watchers>,
                        1, 1, rl::test_result_deadlock>>("ring_publish_skips_watchers",
                                                         search::bound(2));
  // A watcher that does not re-check after linking: a send between the select's poll and its
  // registration is missed.
  add<sel::wake_by_send<lf<lfm::ring_watch_skips_recheck>, lf<lfm::ring_watch_skips_recheck>, 1, 1,
                        rl::test_result_deadlock>>("ring_watch_skips_recheck", search::bound(2));
  // The watcher count incremented relaxed: the publisher's count read and the select's
  // re-check both miss (store buffering), and nobody wakes the select.
  add<sel::wake_by_send<lf<dm::watch_count_relaxed>, lf<dm::watch_count_relaxed>, 1, 1,
                        rl::test_result_deadlock>>("watch_count_relaxed", search::bound(2));
  // The mutex-based close wakes plain receivers only: a select on the closed channel sleeps.
  add<sel::select_at_close<mb<mbm::ch_mb_close_skips_selects>, mb<mbm::ch_mb_close_skips_selects>,
                           0, 0, rl::test_result_deadlock>>("ch_mb_close_skips_selects",
                                                            search::bound(1));
  // A select that does not unlink its losing waiter: it stays queued in the other channel.
  add<sel::wake_by_send<mb<mbm::ch_mb_select_keeps_waiter>, mb<mbm::ch_mb_select_keeps_waiter>, 0,
                        0, rl::test_result_user_assert_failed>>("ch_mb_select_keeps_waiter",
                                                                search::bound(1));
  // A select with a default over two lock-free channels that does not watch them while it
  // polls: it sees each not ready in turn while one of them was ready at every moment.
  add<sel::default_is_a_snapshot<lf<dm::select_default_unwatched>, lf<dm::select_default_unwatched>,
                                 1, rl::test_result_user_assert_failed>>("select_default_unwatched",
                                                                         search::bound(3));
  // Locks taken in argument order: two selects naming two channels in opposite orders.
  add<sel::crossed_selects<mb<dm::select_locks_in_case_order>, rl::test_result_deadlock>>(
      "select_locks_in_case_order", search::bound(2));
  return csp::models::main(argc, argv);
}
