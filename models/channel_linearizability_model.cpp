// models/channel_linearizability_model.cpp — the linearizability checker over every history
// Relacy explores of both channel implementations.
//
// The RapidCheck tier checks histories that real threads happen to produce; here Relacy
// enumerates the schedules of small scripts (capacity 0 and 1, two or three threads), and each
// distinct history is checked against the same reference model with the same Wing–Gong search
// (proptests/channel_model.hpp, proptests/linearizability.hpp).
//
// Recording. Each thread stamps its operations from a plain counter in the suite: Relacy runs
// every thread as a fiber on one OS thread and switches only inside its own operations, so
// nothing runs between a stamp and the channel call it precedes (or the return it follows) and
// the stamps order call and return events exactly. Records are plain arrays; after() copies a
// history into a store whose memory was allocated before rl::simulate, so recording allocates
// nothing inside the simulation (Relacy tracks every allocation there, and an allocating
// stream would corrupt its heap). The checker — which allocates — runs after rl::simulate
// returns.
//
// Every script has a thread that closes the channel after operations that cannot wait, so
// every schedule terminates: a blocked send fails at the close, a blocked recv drains, then
// gets nullopt.
//
// The lock-free channel runs the same scripts, with context-bounded searches (its state space
// is larger: a blocked operation links a waiter, a partner claims it, frees the cell and wakes
// it).
//
// Exactness of the unbuffered try answers. Call and return stamps cannot show that a pending
// partner was already waiting, so linearizability alone accepts an unbuffered try_send `full`
// (try_recv `empty`) on an open channel whatever the schedule. Here each channel also stamps,
// through its observation point `waiting` (csp/sync/mutation.hpp), the moment a blocked send or
// recv becomes findable — the lock-free rendezvous right after its link, the mutex-based
// channel when it enqueues its waiter — and, through `closing`, the moment the close takes
// effect (the rendezvous' K3, the mutex-based close under its lock); every history must also
// pass csp_test::exactness(): a `full` needs a point in its interval, before the close took
// effect, at which no receiver certainly waited.
//
// The planted-bug suites run through the same recording and checking and pass only if a
// history is rejected: a lie about a buffered value (lying_channel), a rendezvous whose double
// collect's second read is only acquire and so can overlook a link that lands mid-scan (mutant
// rdv_try_collect_acquire), a try operation that does not look at the closed flag again after
// its scan (mutant rdv_try_misses_close), a link announced outside the total order the double
// collect reads in, by a blocked party or a select's case (mutants rdv_link_announce_acq_rel,
// rdv_enlist_announce_acq_rel; select_waiter puts a select's case where a try_recv must find
// it), and the rendezvous' earlier close (mutant rdv_closed_flag_after_draw). select_loser puts a
// select beside the try operations; its planted bug is a select that gives back the partner it
// drew (mutant rdv_dirty_select_gives_back), which is how the lock-free rendezvous behaved
// until 2026-11-29 (docs/channel.md, "Select cases on the lock-free rendezvous").
#include <array>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "../proptests/channel_model.hpp"
#include "../proptests/linearizability.hpp"
#include "csp/lock_free/channel.hpp"
#include "csp/mutex_based/channel.hpp"
#include "csp/select.hpp"
#include "harness.hpp"

namespace {

using csp_test::op_kind;
using csp_test::op_record;
using channel = csp::mutex_based::channel<int, csp::models::relacy_backend<>>;
using lf_channel = csp::lock_free::channel<int, csp::models::relacy_backend<>>;
// The planted inexact try answer (lock_free/rendezvous.hpp): the double collect's second read
// at acquire.
using lf_try_collect_acquire = csp::lock_free::channel<
    int, csp::models::relacy_backend<csp::lock_free::mutation::rdv_try_collect_acquire>>;
// A select that gives back the partner it drew when a claimer marked it.
using lf_gives_back = csp::lock_free::channel<
    int, csp::models::relacy_backend<csp::lock_free::mutation::rdv_dirty_select_gives_back>>;
// A try operation that answers `full` / `empty` without looking at the closed flag again after
// its scan: it may have passed over a waiter that the close cancelled meanwhile.
using lf_try_misses_close = csp::lock_free::channel<
    int, csp::models::relacy_backend<csp::lock_free::mutation::rdv_try_misses_close>>;
// The rendezvous' close before the counters were cut: the closed flag, read after the draw.
using lf_closed_flag_after_draw = csp::lock_free::channel<
    int, csp::models::relacy_backend<csp::lock_free::mutation::rdv_closed_flag_after_draw>>;
// A link announced (L3) acq_rel, outside the total order the double collect reads in: by a
// blocked send or receive, or by a select's case.
using lf_link_announce_acq_rel = csp::lock_free::channel<
    int, csp::models::relacy_backend<csp::lock_free::mutation::rdv_link_announce_acq_rel>>;
using lf_enlist_announce_acq_rel = csp::lock_free::channel<
    int, csp::models::relacy_backend<csp::lock_free::mutation::rdv_enlist_announce_acq_rel>>;

// The distinct histories of one simulation. Sized before rl::simulate and never grown inside
// it; a history that does not fit is counted (and fails the run: it would go unchecked).
struct history_store {
  std::vector<csp_test::history> histories;
  std::vector<std::uint32_t> index;  // open-addressing hash set: 1 + position in histories
  std::size_t dropped = 0;

  void reset(std::size_t capacity) {  // capacity: a power of two
    histories.clear();
    histories.reserve(capacity);
    index.assign(4 * capacity, 0);
    dropped = 0;
  }

  // Whether h was new (and stored).
  bool insert(const csp_test::history& h) {
    const std::size_t mask = index.size() - 1;  // index.size() is a power of two
    for (std::size_t s = static_cast<std::size_t>(h.hash()) & mask;; s = (s + 1) & mask) {
      if (index[s] == 0) {
        if (histories.size() == histories.capacity()) {
          ++dropped;
          return false;
        }
        histories.push_back(h);  // within the reserved capacity: no allocation
        index[s] = static_cast<std::uint32_t>(histories.size());
        return true;
      }
      if (histories[index[s] - 1] == h) return false;
    }
  }
};

history_store& store() {
  static history_store s;
  return s;
}

// The expected result of a planted-bug suite: it checks each new history as the search
// records it and fails the schedule that produced the first one the checker rejects, so the
// search stops there, as a mutant's does at its first failure. (Checked only after the whole
// search, the four planted suites took 81 of this binary's 157 s.) check_stored() then finds
// that history among the stored ones and prints it.
constexpr rl::test_result_e planted_bug = rl::test_result_user_assert_failed;

bool rejected(const csp_test::history& h) {
  return !csp_test::check_linearizable(h).linearizable || csp_test::exactness(h).has_value();
}

// Stores the history a schedule recorded; in a planted-bug suite, judges it if it is new.
template <rl::test_result_e Expected>
void keep(const csp_test::history& h) {
  const bool fresh = store().insert(h);
  if constexpr (Expected == planted_bug) {
    csp::models::check(!fresh || !rejected(h), "a history the checker rejects: the planted bug");
  }
}

// A script: the capacity and, per thread (up to four), up to four operations.
struct script {
  std::size_t capacity;
  std::array<std::array<op_kind, 4>, 4> ops;
  std::array<std::size_t, 4> length;
};

// A planted lie, so this binary also shows that its recording and checking can fail: try_recv
// answers empty while exactly one value is buffered (a try_recv that misses a published
// value, as Vyukov's ring does).
class lying_channel {
 public:
  explicit lying_channel(std::size_t capacity) : inner_(capacity) {}
  void send(int v) const { inner_.send(v); }
  [[nodiscard]] std::optional<int> recv() const { return inner_.recv(); }
  [[nodiscard]] csp::status try_send(int v) const { return inner_.try_send(v); }
  [[nodiscard]] csp::status try_recv(int& out) const {
    if (inner_.size() == 1) return csp::status::empty;  // the planted bug
    return inner_.try_recv(out);
  }
  void close() const { inner_.close(); }
  bool closed() const { return inner_.closed(); }
  std::size_t size() const { return inner_.size(); }

 private:
  channel inner_;
};

// Opens r: what it is, who calls it, and its call stamp.
void start(op_record& r, op_kind kind, unsigned t, int arg, std::uint64_t& clock) {
  r.kind = kind;
  r.thread = static_cast<std::uint8_t>(t);
  r.arg = arg;
  r.call = clock++;
}

// Runs one recorded operation on ch: opens r, performs it, stamps its return.
template <class Channel>
void perform(Channel& ch, op_record& r, op_kind kind, unsigned t, int arg, std::uint64_t& clock) {
  start(r, kind, t, arg, clock);
  r.out = csp_test::perform(ch, kind, arg);
  r.ret = clock++;
}

template <const script& S, unsigned Threads, class Channel = channel,
          rl::test_result_e Expected = rl::test_result_success>
struct recorded : rl::test_suite<recorded<S, Threads, Channel, Expected>, Threads, Expected> {
  Channel ch{S.capacity};
  std::uint64_t clock = 0;  // stamps: plain, see the file comment
  std::array<std::array<op_record, 4>, Threads> rec{};
  std::array<std::size_t, Threads> current{};  // the operation each thread is in
  std::uint64_t close_effect = op_record::never;

  // The channel's observation point `waiting` (csp/sync/mutation.hpp) stamps the operation
  // the calling thread is in: the moment a partner's try operation can first find it.
  // `closing` stamps the moment the close takes effect, whichever thread makes it so (in the
  // lock-free rendezvous, an operation that finds the close under way helps it: K3).
  static inline recorded* active = nullptr;
  static void on_observe(csp::sync::point p) {
    if (p == csp::sync::point::closing) {
      if (active->close_effect == op_record::never) active->close_effect = active->clock++;
      return;
    }
    if (p != csp::sync::point::waiting) return;
    const auto t = static_cast<std::size_t>(rl::ctx().current_thread());
    active->rec[t][active->current[t]].mark_waiting(active->clock);
  }
  void before() {
    active = this;
    csp::models::observe_hook = &on_observe;
  }

  void thread(unsigned t) {
    for (std::size_t i = 0; i < S.length[t]; ++i) {
      current[t] = i;
      const op_kind k = S.ops[t][i];
      perform(ch, rec[t][i], k, t, csp_test::is_send(k) ? csp_test::sent_value(t, i) : 0, clock);
    }
  }

  void after() {
    csp::models::observe_hook = nullptr;
    csp_test::history h;
    h.capacity = S.capacity;
    for (unsigned t = 0; t < Threads; ++t) {
      for (std::size_t i = 0; i < S.length[t]; ++i) {
        op_record& r = rec[t][i];
        if (r.kind == op_kind::close && r.out.st == csp::status::ok) r.effect = close_effect;
        h.add(r);
      }
    }
    keep<Expected>(h);
  }
};

// What the select suites share: the unbuffered channel whose history is checked, the select's
// other channel, and the stamp clock.
template <class Channel>
struct select_scene {
  Channel ch{0};
  Channel other{0};
  std::uint64_t clock = 0;  // stamps: plain, see the file comment
};

// A select that draws a waiting receiver's position while another of its cases is claimed
// (lock_free/rendezvous.hpp, detail/select_ctx.hpp). Thread 0 receives on `ch`; thread 1 selects
// between sending on `ch` and receiving on `other`; thread 2 try_sends on `other`, which completes
// the select's second case if it waits there; thread 3 try_sends on `ch`, then closes it. Only
// `ch`'s history is checked: the select's send, if it chose that case, is a send in it (a select
// that chose `other` never touched `ch`, as far as `ch`'s users can tell). A receiver waiting since
// before the try_send, sent back by a select to draw again, still waits: Go's receiver never leaves
// its queue, so `full` is then inexact. The shipped select never sends it back: while it
// enlists, the claim only marks it, and the case that drew the receiver completes.
template <class Channel, rl::test_result_e Expected = rl::test_result_success>
struct select_loser : rl::test_suite<select_loser<Channel, Expected>, 4, Expected>,
                      select_scene<Channel> {
  op_record recv{};
  op_record select_send{};
  bool chose_ch = false;
  op_record try_send{};
  op_record close{};

  static inline select_loser* active = nullptr;
  // Only thread 0's receive waits on `ch` (the select's cases register without the point), and
  // only `ch` is closed.
  static void on_observe(csp::sync::point p) {
    if (p == csp::sync::point::waiting && rl::ctx().current_thread() == 0) {
      active->recv.mark_waiting(active->clock);
    }
    if (p == csp::sync::point::closing && active->close.effect == op_record::never) {
      active->close.effect = active->clock++;
    }
  }
  void before() {
    active = this;
    csp::models::observe_hook = &on_observe;
  }

  void thread(unsigned t) {
    if (t == 0) {
      perform(this->ch, recv, op_kind::recv, t, 0, this->clock);
    } else if (t == 1) {
      const int v = csp_test::sent_value(1, 0);
      start(select_send, op_kind::send, t, v, this->clock);
      try {
        chose_ch = csp::select(csp::on_send(this->ch, v, [] {}),
                               csp::on_recv(this->other, [](std::optional<int>) {})) == 0;
        select_send.out = {csp::status::ok};
      } catch (const csp::closed_channel_error&) {
        chose_ch = true;  // the send case, chosen on the closed channel
        select_send.out = {csp::status::closed};
      }
      select_send.ret = this->clock++;
    } else if (t == 2) {
      (void)this->other.try_send(5);
    } else {
      perform(this->ch, try_send, op_kind::try_send, t, csp_test::sent_value(3, 0), this->clock);
      perform(this->ch, close, op_kind::close, t, 0, this->clock);
    }
  }

  void after() {
    csp::models::observe_hook = nullptr;
    csp_test::history h;
    h.capacity = 0;
    h.add(recv);
    if (chose_ch) h.add(select_send);
    h.add(try_send);
    h.add(close);
    keep<Expected>(h);
  }
};

// A select waiting to send on `ch` (thread 0; its other case, a receive on `other`, never gets
// a value) and a try_recv on `ch` (thread 1), which must find it once the select has registered
// every case (the observation point select_waiting stamps its send as waiting from there);
// if the try_recv answered `empty`, a receive completes the select. Checks that a select's case
// is as findable as a plain waiter: the select's announcement of its link (enlist()'s L3 in
// the lock-free rendezvous) is read by the try operation's double collect.
template <class Channel, rl::test_result_e Expected = rl::test_result_success>
struct select_waiter : rl::test_suite<select_waiter<Channel, Expected>, 2, Expected>,
                       select_scene<Channel> {
  op_record select_send{};
  op_record try_recv{};
  op_record recv{};

  static inline select_waiter* active = nullptr;
  static void on_observe(csp::sync::point p) {
    if (p == csp::sync::point::select_waiting) active->select_send.mark_waiting(active->clock);
  }
  void before() {
    active = this;
    csp::models::observe_hook = &on_observe;
  }

  void thread(unsigned t) {
    if (t == 0) {
      start(select_send, op_kind::send, t, csp_test::sent_value(0, 0), this->clock);
      const std::size_t i = csp::select(csp::on_send(this->ch, select_send.arg, [] {}),
                                        csp::on_recv(this->other, [](std::optional<int>) {}));
      csp::models::check(i == 0, "a case with nothing sent was chosen");
      select_send.out = {csp::status::ok};
      select_send.ret = this->clock++;
    } else {
      perform(this->ch, try_recv, op_kind::try_recv, t, 0, this->clock);
      if (try_recv.out.st != csp::status::ok)
        perform(this->ch, recv, op_kind::recv, t, 0, this->clock);
    }
  }

  void after() {
    csp::models::observe_hook = nullptr;
    csp_test::history h;
    h.capacity = 0;
    h.add(select_send);
    h.add(try_recv);
    if (recv.kind == op_kind::recv) h.add(recv);
    keep<Expected>(h);
  }
};

// linearizable: every history passes. violation: a planted bug, which some history must show.
enum class expect { linearizable, violation };

// Checks every history the last simulation stored: linearizable, and (unbuffered) every try
// answer full / empty exact (csp_test::exactness). Prints a summary line, or the first history
// that fails with the checker's account of it; true iff that is what `e` expects.
bool check_stored(const std::string& name, expect e) {
  const history_store& st = store();
  std::size_t steps = 0;
  std::size_t waits = 0;  // histories with a waiting operation stamped
  for (const csp_test::history& h : st.histories) {
    const csp_test::verdict v = csp_test::check_linearizable(h);
    steps += v.steps;
    const char* planted = e == expect::violation ? " (expected: a planted bug)\n" : "\n";
    if (!v.linearizable) {
      std::cout << "[histories] " << name << ": NOT LINEARIZABLE" << planted
                << csp_test::describe(h, v);
      return e != expect::linearizable;
    }
    if (const std::optional<std::string> why = csp_test::exactness(h)) {
      std::cout << "[histories] " << name << ": INEXACT TRY ANSWER" << planted << *why << '\n'
                << csp_test::describe(h, v);
      return e != expect::linearizable;
    }
    for (std::size_t i = 0; i < h.n; ++i) {
      if (h.ops[i].wait != op_record::never) {
        ++waits;
        break;
      }
    }
  }
  std::cout << "[histories] " << name << ": " << st.histories.size()
            << " distinct histories, all linearizable, try answers exact (" << waits
            << " with a waiting operation; " << steps << " search steps)";
  if (st.dropped > 0) std::cout << "; " << st.dropped << " did not fit the store: FAIL";
  if (e == expect::violation) std::cout << "; the planted bug was NOT caught: FAIL";
  std::cout << std::endl;
  return st.dropped == 0 && e == expect::linearizable;
}

// Registers Suite with the harness: explore, then check what was recorded.
template <class Suite>
void add_checked(const std::string& name, csp::models::search how,
                 expect e = expect::linearizable) {
  csp::models::registry().push_back({name, [name, how, e] {
                                       store().reset(1 << 14);
                                       return csp::models::run_suite<Suite>(name, how) &&
                                              check_stored(name, e);
                                     }});
}

using k = op_kind;

// Unbuffered: rendezvous, a sender that wakes late, nullopt after close.
constexpr script rendezvous{0, {{{k::send, k::close}, {k::recv, k::recv}}}, {2, 2, 0}};
// Unbuffered: try_send succeeds only with a waiting receiver; try_recv only with a waiting
// sender; a sender blocked at close fails.
constexpr script try_ops_unbuffered{
    0, {{{k::try_send, k::send, k::close}, {k::recv, k::try_recv, k::recv}}}, {3, 3, 0}};
// Three threads: a blocked send and recv, size, and a close that releases whoever is left.
constexpr script three_unbuffered{
    0, {{{k::send, k::try_send}, {k::recv, k::try_recv}, {k::size, k::close}}}, {2, 2, 2}};
// Capacity 1: a send that waits for room, drain after close, try_recv's exact empty.
constexpr script buffered_drain{
    1, {{{k::send, k::send, k::close}, {k::try_recv, k::recv, k::recv}}}, {3, 3, 0}};
// Three threads on capacity 1: a full buffer, a receiver, size and close.
constexpr script three_buffered{
    1, {{{k::send, k::send}, {k::try_recv, k::recv}, {k::size, k::close}}}, {2, 2, 2}};
// Three threads, unbuffered: two sends from one thread, a try_recv that may find the sender
// waiting or not, closed() racing the close.
constexpr script three_unbuffered_try{
    0, {{{k::send, k::send}, {k::try_recv, k::recv}, {k::closed, k::close}}}, {2, 2, 2}};
// Unbuffered, two receivers waiting (or about to) while try_send looks for one: the double
// collect of the lock-free scan, judged by the exactness check.
constexpr script two_receivers_try{
    0, {{{k::recv}, {k::recv}, {k::try_send, k::try_send, k::close}}}, {1, 1, 3}};
// The mirror: two senders, try_recv.
constexpr script two_senders_try{
    0, {{{k::send}, {k::send}, {k::try_recv, k::try_recv, k::close}}}, {1, 1, 3}};
// Unbuffered, four threads: a try_send scanning while a blocking send draws the position of the
// receiver waiting first, a second receiver arrives, and close() races them — the double
// collect's case, and the drawn-but-unmet sender's (see main()).
constexpr script leaving_receiver{
    0, {{{k::recv}, {k::recv}, {k::try_send, k::close}, {k::send}}}, {1, 1, 2, 1}};
// Two senders compete for one slot; the receiver closes after taking one value.
constexpr script two_senders{
    1, {{{k::send}, {k::send}, {k::recv, k::try_recv, k::close}}}, {1, 1, 3}};

}  // namespace

int main(int argc, char** argv) {
  using csp::models::search;
  add_checked<recorded<rendezvous, 2>>("ch.lin.rendezvous<mutex_based>", search::full());
  add_checked<recorded<try_ops_unbuffered, 2>>("ch.lin.try_ops.unbuffered<mutex_based>",
                                               search::full());
  add_checked<recorded<buffered_drain, 2>>("ch.lin.drain.cap1<mutex_based>", search::full());
  add_checked<recorded<three_unbuffered, 3>>("ch.lin.3threads.unbuffered<mutex_based>",
                                             search::bound(5));
  add_checked<recorded<three_unbuffered_try, 3>>("ch.lin.3threads.unbuffered.try<mutex_based>",
                                                 search::bound(5));
  add_checked<recorded<three_buffered, 3>>("ch.lin.3threads.cap1<mutex_based>", search::bound(5));
  add_checked<recorded<two_senders, 3>>("ch.lin.two_senders.cap1<mutex_based>", search::full());
  add_checked<recorded<two_receivers_try, 3>>("ch.lin.two_receivers.try<mutex_based>",
                                              search::bound(5));
  add_checked<recorded<two_senders_try, 3>>("ch.lin.two_senders.try<mutex_based>",
                                            search::bound(5));
  add_checked<recorded<rendezvous, 2, lf_channel>>("ch.lin.rendezvous<lock_free>",
                                                   search::bound(3));
  // Bound 3 is 8,182,414 schedules (77 s): `make check-long` only.
  add_checked<recorded<try_ops_unbuffered, 2, lf_channel>>(
      "ch.lin.try_ops.unbuffered<lock_free>",
      csp::models::deep_search() ? search::bound(3) : search::bound(2));
  add_checked<recorded<buffered_drain, 2, lf_channel>>("ch.lin.drain.cap1<lock_free>",
                                                       search::bound(3));
  add_checked<recorded<three_unbuffered, 3, lf_channel>>("ch.lin.3threads.unbuffered<lock_free>",
                                                         search::bound(2));
  add_checked<recorded<three_unbuffered_try, 3, lf_channel>>(
      "ch.lin.3threads.unbuffered.try<lock_free>", search::bound(2));
  add_checked<recorded<three_buffered, 3, lf_channel>>("ch.lin.3threads.cap1<lock_free>",
                                                       search::bound(2));
  add_checked<recorded<two_senders, 3, lf_channel>>("ch.lin.two_senders.cap1<lock_free>",
                                                    search::bound(2));
  add_checked<recorded<two_receivers_try, 3, lf_channel>>("ch.lin.two_receivers.try<lock_free>",
                                                          search::bound(2));
  add_checked<recorded<two_senders_try, 3, lf_channel>>("ch.lin.two_senders.try<lock_free>",
                                                        search::bound(2));
  add_checked<recorded<leaving_receiver, 4>>("ch.lin.leaving_receiver<mutex_based>",
                                             search::bound(2));
  add_checked<recorded<leaving_receiver, 4, lf_channel>>("ch.lin.leaving_receiver<lock_free>",
                                                         search::bound(2));
  add_checked<recorded<buffered_drain, 2, lying_channel, planted_bug>>(
      "ch.lin.planted_empty.cap1", search::full(), expect::violation);
  // The rendezvous' earlier close (the flag read after the draw): a sender that drew a waiting
  // receiver's position sees a close that came after a try_send passed over that receiver,
  // and leaves it — the try_send's `full` was inexact.
  add_checked<recorded<leaving_receiver, 4, lf_closed_flag_after_draw, planted_bug>>(
      "ch.lin.planted_close_after_draw", search::bound(2), expect::violation);
  // The exactness check can fail: a try operation's double collect at acquire misses a link
  // that lands while it scans, and it answers `full` while a receiver waits.
  add_checked<recorded<leaving_receiver, 4, lf_try_collect_acquire, planted_bug>>(
      "ch.lin.planted_inexact_full", search::bound(2), expect::violation);
  // The exactness check can fail at a close: a try_recv reads the counters before the close,
  // which then cancels the waiting sender; the scan passes over its cell and the try answers
  // `empty`, while the sender waited until the close took effect (a stamp of its own).
  add_checked<recorded<three_unbuffered_try, 3, lf_try_misses_close, planted_bug>>(
      "ch.lin.planted_empty_at_close", search::bound(2), expect::violation);
  add_checked<select_waiter<channel>>("ch.lin.select_waiter<mutex_based>", search::bound(3));
  add_checked<select_waiter<lf_channel>>("ch.lin.select_waiter<lock_free>", search::bound(2));
  // The exactness check can fail when a link is announced outside the total order (L3 acq_rel):
  // a try operation that starts after the link counts the same stale number twice, misses the
  // link in its scan, and answers `empty` while a sender waits — a plain one, or a select's
  // case.
  add_checked<recorded<try_ops_unbuffered, 2, lf_link_announce_acq_rel, planted_bug>>(
      "ch.lin.planted_late_announce", search::bound(2), expect::violation);
  add_checked<select_waiter<lf_enlist_announce_acq_rel, planted_bug>>(
      "ch.lin.planted_late_select_announce", search::bound(2), expect::violation);
  add_checked<select_loser<channel>>("ch.lin.select_loser<mutex_based>", search::bound(2));
  // Bound 2 under `make check-long`.
  add_checked<select_loser<lf_channel>>("ch.lin.select_loser<lock_free>", csp::models::deep_search()
                                                                              ? search::bound(2)
                                                                              : search::bound(1));
  // The planted give-back: a select that a claimer marked while it was enlisting sends the
  // receiver it drew back to draw again, instead of completing with it — the window in which a
  // try_send answers `full` while the receiver has waited all along (how every losing select
  // of the lock-free rendezvous behaved until 2026-11-29).
  add_checked<select_loser<lf_gives_back, planted_bug>>("ch.lin.planted_select_gives_back",
                                                        search::bound(1), expect::violation);
  return csp::models::main(argc, argv);
}
