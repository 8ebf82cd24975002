// RapidCheck properties of csp::select (csp/select.hpp) over both channel implementations, and
// over selects that mix them.
//
//  * sequential, model-based: a generated script of non-blocking selects (1-3 cases and a
//    default) over 2-3 channels of capacity 0..3, mixed with try_send / try_recv / close, is
//    checked step by step against one reference model per channel (proptests/channel_model.hpp):
//    the select takes a case the models say is ready (the default only when none is), exactly
//    one handler runs, with the value the model predicts, and its effect is the model's. After
//    every step each channel's size() and closed() match its model; at the end each channel is
//    drained and compared.
//  * fairness: a select with 2-3 cases of which at least two are ready, run many times from the
//    same state, takes every ready case a fair share of the time (a weak check: at least a
//    quarter of its 1/k share) and never an unready one.
//  * concurrent: 2-4 threads run generated scripts on real threads. Senders: plain sends and
//    blocking selects (1-3 cases, the first a send, the others sends or receives), and one of
//    them closes one channel at a random point. Receivers loop, Go-style, over a select that
//    receives from every channel they have not yet seen closed (a closed one is replaced by a
//    private channel nobody uses: Go's nil channel), with a send case of their own now and
//    then, until every channel is closed. A coordinator closes the remaining channels once the
//    senders are done. This cannot deadlock: a blocked send is eventually met by a receiver,
//    which always waits on every open channel, and the receivers end after the closes. So a
//    run that stops making progress is a lost wake-up, not a bad script: a watchdog notices,
//    rescues the threads by closing every channel, and fails the property with the operations
//    that were stuck. Checked afterwards: exactly one handler ran per select; the values
//    received are exactly the values whose send completed (a plain send that returned, or a
//    send case that was chosen and did not throw), each once, on the channel it was sent on;
//    each thread received the values of one sender on one channel in the order sent; a closed
//    answer (a send that threw, a receive of nullopt) came only on a channel whose close had
//    been invoked. Lock-free, mutex-based and mixed channel sets.
//  * losing sends: selects of two sends of a move-only token (to two channels, one through a
//    send_only view; with or without a default) race with each other while two drainers
//    receive. A case that is not chosen leaves its argument holding its token; the token of
//    a chosen case is received exactly once. Three strengths: the value survives (the token is
//    the channel's element type), the argument is never moved from at all (not even moved out
//    and back), and the value survives when the channel's element type is constructed from the
//    token (a converting send).
//  * the properties can fail: each runs once more over a planted bug — a select poll that says
//    empty while values are buffered, a select that never shuffles its cases, the lock-free
//    channels with select's claim made non-exclusive (csp/detail/select_ctx.hpp's mutant) or
//    with the ring's close skipping a full buffer (a lost wake-up), and a send poll that takes
//    the argument even when it fails — and must be falsified.
//
// Sizes: see the constants below; the whole binary runs in a few seconds in release.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "channel_model.hpp"
#include "channel_scenarios.hpp"
#include "csp/channel.hpp"
#include "csp/errors.hpp"
#include "csp/select.hpp"
#include <rapidcheck.h>

namespace {

using csp_test::channel_model;
using csp_test::op_kind;
using csp_test::outcome;
using namespace std::chrono_literals;

constexpr bool sanitized = csp_test::under_sanitizer;

// RapidCheck cases per property (before RC_PARAMS' max_success scaling, see check_n).
constexpr int sequential_tests = 100;
constexpr int fairness_tests = 60;
constexpr int concurrent_tests = sanitized ? 25 : 60;
constexpr int loser_tests = sanitized ? 15 : 40;
// Runs of each generated concurrent scenario (thread timing differs from run to run).
constexpr std::size_t concurrent_runs = sanitized ? 4 : 12;
constexpr std::size_t loser_runs = sanitized ? 4 : 12;
// Trials of each fairness setup.
constexpr int fairness_trials = 240;

template <class... P>
std::string str(const P&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

// Runs `property` as RC_GTEST_PROP does, with `tests` cases instead of RapidCheck's 100
// (RC_PARAMS="max_success=N" scales every property here by N / 100). Returns whether it held;
// with `expect_failure` a failure is the expected outcome (a planted bug) and is only printed.
template <class Testable>
bool check_n(int tests, Testable&& property, bool expect_failure = false) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::max(1, tests * params.maxSuccess / 100);
  if (expect_failure) params.disableShrinking = true;  // the first counterexample is enough
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = str(info->test_suite_name(), "/", info->name());
  metadata.description = info->name();
  const rc::detail::TestResult result =
      rc::detail::checkTestable(std::forward<Testable>(property), metadata, params);
  const bool held = result.template is<rc::detail::SuccessResult>();
  std::ostringstream os;
  rc::detail::printResultMessage(result, os);
  if (expect_failure) {
    std::printf("[planted] falsified as expected:\n%s\n", os.str().c_str());
  } else if (!held) {
    ADD_FAILURE() << os.str();
  }
  return held;
}

// ---- channel families -----------------------------------------------------------------------

// The two channel templates a select may mix: `a` and `b`. The real family is the lock-free
// channel and the mutex-based one over backend B; planted families put a test double in place.
template <class B>
struct real_family {
  template <class T>
  using a = csp::lock_free::channel<T, B>;
  template <class T>
  using b = csp::mutex_based::channel<T, B>;
};

// Which of a family's channel types a run generates.
enum class impls : std::uint8_t { a_only, b_only, mixed };

// Which of them the dispatcher below is compiled for (planted runs use one: fewer
// instantiations).
enum class mix : std::uint8_t { a_only, b_only, both };

bool pick_a(impls which) {
  switch (which) {
    case impls::a_only: return true;
    case impls::b_only: return false;
    case impls::mixed: return *rc::gen::arbitrary<bool>();
  }
  return true;
}

// A channel of either type, chosen at run time.
template <class Fam, class T>
class any_channel {
 public:
  using a_type = typename Fam::template a<T>;
  using b_type = typename Fam::template b<T>;

  any_channel(bool is_a, std::size_t capacity) : is_a_(is_a) {
    if (is_a) {
      a_.emplace(capacity);
    } else {
      b_.emplace(capacity);
    }
  }

  bool is_a() const noexcept { return is_a_; }
  template <bool A>
  const auto& get() const noexcept {
    if constexpr (A) {
      return *a_;
    } else {
      return *b_;
    }
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return is_a_ ? f(*a_) : f(*b_);
  }

 private:
  bool is_a_;
  std::optional<a_type> a_;
  std::optional<b_type> b_;
};

const char* kind_name(bool is_a) {
  return is_a ? "lf" : "mb";
}

// ---- selects whose cases are chosen at run time -----------------------------------------------
//
// csp::select takes its cases as a compile-time list. A generated select is a run-time list of
// (send or receive, channel) pairs; dispatch() turns it into one of the compile-time lists a
// policy allows (each case: send or receive, channel type a or b) and calls the runner's
// go<tags...>(), which builds the cases straight into the select call.

template <class Fam, class T>
struct case_ref {
  bool send = false;
  const any_channel<Fam, T>* ch = nullptr;
};

template <bool Send, bool A>
struct tag {
  static constexpr bool send = Send;
  static constexpr bool a = A;
};

// Any 1-3 cases (the sequential and fairness selects; a default follows).
struct any_cases {
  static constexpr std::size_t max = 3;
  static constexpr bool may_send(std::size_t) { return true; }
  static constexpr bool may_recv(std::size_t) { return true; }
  static constexpr bool may_end(std::size_t n) { return n >= 1; }
};
// A sender's select: 1-3 cases, the first a send.
struct sender_cases {
  static constexpr std::size_t max = 3;
  static constexpr bool may_send(std::size_t) { return true; }
  static constexpr bool may_recv(std::size_t p) { return p > 0; }
  static constexpr bool may_end(std::size_t n) { return n >= 1; }
};
// A receiver's select: one send, then a receive per channel (2 or 3).
struct receiver_cases {
  static constexpr std::size_t max = 4;
  static constexpr bool may_send(std::size_t p) { return p == 0; }
  static constexpr bool may_recv(std::size_t p) { return p > 0; }
  static constexpr bool may_end(std::size_t n) { return n >= 3; }
};

template <class Policy, mix M, class Run, class... Tags>
std::size_t dispatch(Run& run) {
  constexpr std::size_t pos = sizeof...(Tags);
  if constexpr (Policy::may_end(pos)) {
    if (run.refs.size() == pos) return run.template go<Tags...>();
  }
  if constexpr (pos < Policy::max) {
    if (pos < run.refs.size()) {
      const bool send = run.refs[pos].send;
      const bool a = run.refs[pos].ch->is_a();
      if constexpr (Policy::may_send(pos) && M != mix::b_only) {
        if (send && a) return dispatch<Policy, M, Run, Tags..., tag<true, true>>(run);
      }
      if constexpr (Policy::may_send(pos) && M != mix::a_only) {
        if (send && !a) return dispatch<Policy, M, Run, Tags..., tag<true, false>>(run);
      }
      if constexpr (Policy::may_recv(pos) && M != mix::b_only) {
        if (!send && a) return dispatch<Policy, M, Run, Tags..., tag<false, true>>(run);
      }
      if constexpr (Policy::may_recv(pos) && M != mix::a_only) {
        if (!send && !a) return dispatch<Policy, M, Run, Tags..., tag<false, false>>(run);
      }
    }
  }
  std::fputs("select_prop: a case list the dispatcher was not compiled for\n", stderr);
  std::abort();
}

// One select over int channels: its cases, the values its send cases offer, and what its
// handlers saw. With a default, the default's index is refs.size().
template <class Fam, bool WithDefault>
struct select_run {
  std::vector<case_ref<Fam, int>> refs;
  std::array<int, 4> args{};
  int fired = 0;  // handlers run
  std::size_t fired_index = ~std::size_t{0};
  std::optional<int> got;  // a receive handler's argument

  void note(std::size_t i, std::optional<int> v) {
    ++fired;
    fired_index = i;
    got = v;
  }

  template <class... Tags>
  std::size_t go() {
    return [this]<std::size_t... I>(std::index_sequence<I...>) {
      if constexpr (WithDefault) {
        return csp::select(this->template make<I, Tags>()...,
                           csp::on_default([this] { note(sizeof...(I), std::nullopt); }));
      } else {
        return csp::select(this->template make<I, Tags>()...);
      }
    }
    (std::index_sequence_for<Tags...>{});
  }

  template <std::size_t I, class Tag>
  auto make() {
    const auto& ch = refs[I].ch->template get<Tag::a>();
    if constexpr (Tag::send) {
      return csp::on_send(ch, args[I], [this] { note(I, std::nullopt); });
    } else {
      return csp::on_recv(ch, [this](std::optional<int> v) { note(I, v); });
    }
  }
};

// ---- (a) sequential, model-based --------------------------------------------------------------

template <class Fam>
struct world {
  std::vector<any_channel<Fam, int>> chans;
  std::vector<channel_model> models;
  std::string trace;
  int next_value = 1;

  void add(bool is_a, std::size_t capacity) {
    chans.emplace_back(is_a, capacity);
    models.emplace_back(capacity);
  }
  std::string name(std::size_t c) const { return str("c", c); }
  std::string describe_channels() const {
    std::string s;
    for (std::size_t c = 0; c < chans.size(); ++c) {
      s += str(c == 0 ? "" : ", ", name(c), " ", kind_name(chans[c].is_a()), " cap ",
               models[c].capacity());
    }
    return s;
  }
  [[noreturn]] void fail(const std::string& why) const {
    RC_FAIL(str("channels: ", describe_channels(), "\nsteps:\n", trace, "FAILED: ", why));
  }

  // Each channel's size() and closed() against its model.
  void check_observers() const {
    for (std::size_t c = 0; c < chans.size(); ++c) {
      const std::size_t size = chans[c].visit([](const auto& ch) { return ch.size(); });
      const bool closed = chans[c].visit([](const auto& ch) { return ch.closed(); });
      if (size != models[c].size() || closed != models[c].closed()) {
        fail(str(name(c), ": size() ", size, " closed() ", closed, ", the model says size ",
                 models[c].size(), " closed ", models[c].closed()));
      }
    }
  }

  // A plain operation, answered as the model says.
  void plain(op_kind k, std::size_t c) {
    const int arg = k == op_kind::try_send ? next_value++ : 0;
    const outcome expected = *models[c].solo(k, arg);
    const outcome answered =
        chans[c].visit([&](const auto& ch) { return csp_test::perform(ch, k, arg); });
    trace += str("  ", name(c), ".", csp_test::to_string(k),
                 k == op_kind::try_send ? str("(", arg, ")") : std::string("()"), " -> ",
                 csp::to_string(answered.st),
                 answered.st == csp::status::ok && k == op_kind::try_recv ? str(" ", answered.value)
                                                                          : std::string(),
                 "\n");
    if (!(answered == expected)) {
      fail(str("the model answers ", csp::to_string(expected.st), " ", expected.value));
    }
    models[c].apply(k, arg);
  }

  bool ready(const case_ref<Fam, int>& r, std::size_t c) const {
    const channel_model& m = models[c];
    return r.send ? (m.closed() || m.size() < m.capacity()) : (m.size() > 0 || m.closed());
  }

  static constexpr std::size_t threw = ~std::size_t{0};

  // A non-blocking select over channels `cs` (one per case in `run`), checked against the
  // models; returns the index chosen, or `threw`.
  template <mix M>
  std::size_t select(select_run<Fam, true>& run, const std::vector<std::size_t>& cs) {
    const std::size_t n = run.refs.size();
    std::string shown = "  select(";
    std::vector<bool> ready_now(n);
    bool any_ready = false;
    for (std::size_t i = 0; i < n; ++i) {
      ready_now[i] = ready(run.refs[i], cs[i]);
      any_ready = any_ready || ready_now[i];
      shown += run.refs[i].send ? str("send ", name(cs[i]), "<-", run.args[i])
                                : str("recv ", name(cs[i]));
      shown += ready_now[i] ? "*, " : ", ";
    }
    shown += "default)";
    std::size_t r = threw;
    try {
      r = dispatch<any_cases, M>(run);
    } catch (const csp::closed_channel_error&) {
      r = threw;
    }
    trace += str(shown, " -> ",
                 r == threw ? std::string("threw closed_channel_error")
                            : str(r, run.got ? str(" got ", *run.got) : std::string()),
                 "   (* = ready per the model)\n");
    if (r == threw) {
      if (run.fired != 0) fail("a handler ran, yet select threw");
      bool closed_send_ready = false;
      for (std::size_t i = 0; i < n; ++i) {
        closed_send_ready =
            closed_send_ready || (run.refs[i].send && ready_now[i] && models[cs[i]].closed());
      }
      if (!closed_send_ready) fail("select threw, but no send case was on a closed channel");
      return r;
    }
    if (run.fired != 1 || run.fired_index != r) {
      fail(str(run.fired, " handler(s) ran, the last for case ", run.fired_index,
               "; select returned ", r));
    }
    if (r == n) {
      if (any_ready) fail("the default was taken while a case was ready");
      return r;
    }
    if (r > n || !ready_now[r]) fail("select took a case the model says is not ready");
    channel_model& m = models[cs[r]];
    if (run.refs[r].send) {
      if (m.closed()) fail("a send case on a closed channel was taken without throwing");
      m.apply(op_kind::try_send, run.args[r]);
    } else {
      const outcome expected = *m.solo(op_kind::try_recv, 0);
      const bool as_expected = expected.st == csp::status::ok
                                   ? run.got.has_value() && *run.got == expected.value
                                   : !run.got.has_value();
      if (!as_expected) {
        fail(str("the receive case got ", run.got ? str(*run.got) : std::string("nullopt"),
                 "; the model says ",
                 expected.st == csp::status::ok ? str(expected.value) : std::string("nullopt")));
      }
      m.apply(op_kind::try_recv, 0);
    }
    return r;
  }

  // Drains every channel with try_recv, as the model says.
  void drain() {
    for (std::size_t c = 0; c < chans.size(); ++c) {
      for (;;) {
        const std::size_t before = models[c].size();
        plain(op_kind::try_recv, c);
        if (before == 0) break;
      }
    }
  }
};

template <class Fam, mix M>
void sequential_selects_match_the_model(impls which) {
  world<Fam> w;
  const auto n = *rc::gen::element<std::size_t>(2, 3);
  for (std::size_t c = 0; c < n; ++c) {
    const bool is_a = pick_a(which);
    w.add(is_a, *rc::gen::element<std::size_t>(0, 1, 2, 3));
  }
  const auto steps = *rc::gen::inRange<std::size_t>(1, 41);
  for (std::size_t s = 0; s < steps; ++s) {
    const int kind = *rc::gen::weightedElement<int>({{12, 0}, {3, 1}, {3, 2}, {1, 3}});
    if (kind == 0) {
      select_run<Fam, true> run;
      std::vector<std::size_t> cs;
      const auto cases = *rc::gen::element<std::size_t>(1, 2, 3);
      for (std::size_t i = 0; i < cases; ++i) {
        const bool send = *rc::gen::arbitrary<bool>();
        const auto c = *rc::gen::inRange<std::size_t>(0, n);
        run.refs.push_back({send, &w.chans[c]});
        if (send) run.args[i] = w.next_value++;
        cs.push_back(c);
      }
      (void)w.template select<M>(run, cs);
    } else {
      const op_kind k = kind == 1   ? op_kind::try_send
                        : kind == 2 ? op_kind::try_recv
                                    : op_kind::close;
      w.plain(k, *rc::gen::inRange<std::size_t>(0, n));
    }
    w.check_observers();
  }
  w.drain();
}

// ---- (a') fairness ------------------------------------------------------------------------------

struct channel_state {
  bool is_a = true;
  std::size_t capacity = 0;
  std::size_t fill = 0;
  bool closed = false;
};

template <class Fam, mix M>
void ready_cases_are_chosen_fairly(impls which) {
  const auto n = *rc::gen::element<std::size_t>(1, 2, 3);
  std::vector<channel_state> states;
  for (std::size_t c = 0; c < n; ++c) {
    channel_state st;
    st.is_a = pick_a(which);
    st.capacity = *rc::gen::element<std::size_t>(0, 1, 2, 3);
    st.fill = *rc::gen::inRange<std::size_t>(0, st.capacity + 1);
    st.closed = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    states.push_back(st);
  }
  struct spec {
    bool send;
    std::size_t ch;
  };
  std::vector<spec> specs;
  const auto cases = *rc::gen::element<std::size_t>(2, 3);
  for (std::size_t i = 0; i < cases; ++i) {
    specs.push_back({*rc::gen::arbitrary<bool>(), *rc::gen::inRange<std::size_t>(0, n)});
  }
  // Which cases are ready; a throw (a send case on a closed channel) must name one case.
  std::vector<bool> ready(cases);
  std::size_t ready_count = 0;
  std::size_t closed_sends = 0;
  for (std::size_t i = 0; i < cases; ++i) {
    const channel_state& st = states[specs[i].ch];
    ready[i] = specs[i].send ? (st.closed || st.fill < st.capacity) : (st.fill > 0 || st.closed);
    ready_count += ready[i] ? 1 : 0;
    closed_sends += specs[i].send && st.closed ? 1 : 0;
  }
  RC_PRE(ready_count >= 2 && closed_sends <= 1);

  std::vector<int> chosen(cases + 1, 0);
  for (int trial = 0; trial < fairness_trials; ++trial) {
    world<Fam> w;
    for (const channel_state& st : states) w.add(st.is_a, st.capacity);
    for (std::size_t c = 0; c < n; ++c) {
      for (std::size_t k = 0; k < states[c].fill; ++k) w.plain(op_kind::try_send, c);
      if (states[c].closed) w.plain(op_kind::close, c);
    }
    select_run<Fam, true> run;
    std::vector<std::size_t> cs;
    for (std::size_t i = 0; i < cases; ++i) {
      run.refs.push_back({specs[i].send, &w.chans[specs[i].ch]});
      if (specs[i].send) run.args[i] = w.next_value++;
      cs.push_back(specs[i].ch);
    }
    std::size_t r = w.template select<M>(run, cs);
    if (r == world<Fam>::threw) {  // the one send case on a closed channel
      for (std::size_t i = 0; i < cases; ++i) {
        if (specs[i].send && states[specs[i].ch].closed) r = i;
      }
    }
    ++chosen[r];
  }
  std::string counts;
  for (std::size_t i = 0; i < cases; ++i) {
    counts += str(" case ", i, (specs[i].send ? " send c" : " recv c"), specs[i].ch,
                  ready[i] ? " (ready)" : "", ": ", chosen[i], ";");
  }
  const int floor = fairness_trials / (4 * static_cast<int>(ready_count));
  for (std::size_t i = 0; i < cases; ++i) {
    if (ready[i] && chosen[i] < floor) {
      RC_FAIL(str("a ready case was chosen ", chosen[i], " times in ", fairness_trials,
                  " trials, fewer than ", floor, ":", counts));
    }
  }
}

// ---- (b) concurrent scenarios -------------------------------------------------------------------

struct cspec {
  bool send = false;
  std::size_t ch = 0;
  int value = 0;  // send: unique, (thread + 1) * 1000 + its rank among the thread's sends
};

struct cstep {
  enum class kind : std::uint8_t { send, select, close };
  kind k = kind::send;
  std::size_t ch = 0;  // send, close
  int value = 0;       // send
  std::vector<cspec> cases;
};

struct cthread {
  bool receiver = false;
  std::vector<cstep> steps;   // a sender's script
  std::vector<cspec> offers;  // a receiver's send cases, offered one at a time
};

struct cscenario {
  std::vector<std::size_t> caps;
  std::vector<bool> is_a;
  std::vector<cthread> threads;
};

int sender_of(int value) {
  return value / 1000 - 1;
}
int rank_of(int value) {
  return value % 1000;
}

std::string describe(const cstep& st) {
  switch (st.k) {
    case cstep::kind::send: return str("send(c", st.ch, "<-", st.value, ")");
    case cstep::kind::close: return str("close(c", st.ch, ")");
    case cstep::kind::select: {
      std::string s = "select(";
      for (std::size_t i = 0; i < st.cases.size(); ++i) {
        const cspec& c = st.cases[i];
        s += str(i == 0 ? "" : ", ", c.send ? "send c" : "recv c", c.ch,
                 c.send ? str("<-", c.value) : std::string());
      }
      return s + ")";
    }
  }
  return "?";
}

std::string describe(const cscenario& s) {
  std::string out = "channels:";
  for (std::size_t c = 0; c < s.caps.size(); ++c) {
    out += str(" c", c, " ", kind_name(s.is_a[c]), " cap ", s.caps[c], ";");
  }
  for (std::size_t t = 0; t < s.threads.size(); ++t) {
    const cthread& th = s.threads[t];
    out += str("\n  t", t, th.receiver ? " receiver: loop select(" : " sender:");
    if (th.receiver) {
      out += "send (offer), recv every open channel) until all closed; offers:";
      for (const cspec& o : th.offers) out += str(" c", o.ch, "<-", o.value);
      if (th.offers.empty()) out += " none";
    }
    for (const cstep& st : th.steps) {
      out += ' ';
      out += describe(st);
    }
  }
  return out;
}

cscenario generate_scenario(impls which) {
  cscenario s;
  const auto n = *rc::gen::element<std::size_t>(2, 3);
  for (std::size_t c = 0; c < n; ++c) {
    s.caps.push_back(*rc::gen::element<std::size_t>(0, 1, 2));
    s.is_a.push_back(pick_a(which));
  }
  const auto threads = *rc::gen::element<std::size_t>(2, 3, 4);
  std::vector<std::size_t> senders;
  for (std::size_t t = 0; t < threads; ++t) {
    cthread th;
    th.receiver = t == 1 || (t > 1 && *rc::gen::arbitrary<bool>());
    int rank = 0;
    const auto value = [&] { return static_cast<int>(t + 1) * 1000 + rank++; };
    const auto channel = [&] { return *rc::gen::inRange<std::size_t>(0, n); };
    if (th.receiver) {
      const auto offers = *rc::gen::element<std::size_t>(0, 1, 2);
      for (std::size_t i = 0; i < offers; ++i) th.offers.push_back({true, channel(), value()});
    } else {
      senders.push_back(t);
      const auto len = *rc::gen::element<std::size_t>(1, 2, 3, 4, 5);
      for (std::size_t i = 0; i < len; ++i) {
        cstep st;
        if (*rc::gen::weightedElement<int>({{1, 0}, {3, 1}}) == 0) {
          st.k = cstep::kind::send;
          st.ch = channel();
          st.value = value();
        } else {
          st.k = cstep::kind::select;
          const auto cases = *rc::gen::element<std::size_t>(1, 2, 3);
          for (std::size_t k = 0; k < cases; ++k) {
            cspec c;
            c.send = k == 0 || *rc::gen::arbitrary<bool>();
            c.ch = channel();
            if (c.send) c.value = value();
            st.cases.push_back(c);
          }
        }
        th.steps.push_back(st);
      }
    }
    s.threads.push_back(th);
  }
  // One close, at a random point of one sender's script.
  const std::size_t closer = *rc::gen::elementOf(senders);
  auto& steps = s.threads[closer].steps;
  const auto at = *rc::gen::inRange<std::size_t>(0, steps.size() + 1);
  cstep close;
  close.k = cstep::kind::close;
  close.ch = *rc::gen::inRange<std::size_t>(0, n);
  steps.insert(steps.begin() + static_cast<std::ptrdiff_t>(at), close);
  return s;
}

struct watchdog_config {
  std::chrono::milliseconds poll{1};
  // No operation started or returned for this long: a lost wake-up (a run takes milliseconds).
  std::chrono::milliseconds stall{sanitized ? 30000 : 5000};
};

// The controlling thread's waits, with the progress watchdog. Threads tick on every operation
// they start or return from, and say when they finish (group 0 or 1: senders and receivers, or
// selectors and drainers).
class progress {
 public:
  explicit progress(const watchdog_config& cfg) : cfg_(cfg) {}

  void tick() noexcept { ticks_.fetch_add(1); }

  void finished(std::size_t group) {
    const std::lock_guard<std::mutex> lk(m_);
    ++done_[group];
    cv_.notify_all();
  }

  // Waits until `count` threads of `group` have finished; false if no thread started or
  // returned from an operation for cfg.stall meanwhile.
  bool await(std::size_t group, std::size_t count) {
    std::unique_lock<std::mutex> lk(m_);
    std::uint64_t seen = ticks_.load();
    auto last = std::chrono::steady_clock::now();
    while (!cv_.wait_for(lk, cfg_.poll, [&] { return done_[group] >= count; })) {
      const std::uint64_t now_ticks = ticks_.load();
      const auto now = std::chrono::steady_clock::now();
      if (now_ticks != seen) {
        seen = now_ticks;
        last = now;
      } else if (now - last > cfg_.stall) {
        return false;
      }
    }
    return true;
  }

 private:
  const watchdog_config& cfg_;
  std::atomic<std::uint64_t> ticks_{0};
  std::mutex m_;
  std::condition_variable cv_;
  std::array<std::size_t, 2> done_{};
};

// A yielding start line (a busy spin starves a 2-core machine).
class start_line {
 public:
  explicit start_line(std::size_t n) : left_(n) {}
  void arrive_and_wait() {
    left_.fetch_sub(1);
    while (left_.load() > 0) std::this_thread::yield();
  }

 private:
  std::atomic<std::size_t> left_;
};

struct xorshift {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
  }
  bool coin() noexcept { return (next() >> 40) % 2 == 0; }
};

// What one thread did, written only by that thread.
struct lane {
  std::vector<std::pair<int, std::size_t>> sent;      // (value, channel): sends that completed
  std::vector<std::pair<int, std::size_t>> received;  // (value, channel), in the order received
  std::vector<std::string> errors;
  std::size_t selects = 0;
  std::size_t throws = 0;
  std::atomic<std::size_t> at{0};  // the step in progress, for a stall report
  std::atomic<bool> done{false};
};

struct concurrent_stats {
  std::size_t runs = 0;
  std::size_t selects = 0;
  std::size_t throws = 0;
  std::size_t sends = 0;
  std::size_t receives = 0;
};

[[noreturn]] void abort_stuck(const std::string& report) {
  std::fputs(str("LIVENESS FAILURE: the threads stayed stuck even after every channel was "
                 "closed; cannot join them.\n",
                 report, "\n")
                 .c_str(),
             stderr);
  std::fflush(stderr);
  std::abort();
}

// Runs `s` once; the failure report, or nullopt.
template <class Fam, mix M>
std::optional<std::string> run_concurrent(const cscenario& s, std::uint64_t seed,
                                          const watchdog_config& cfg, concurrent_stats& stats) {
  using channel = any_channel<Fam, int>;
  const std::size_t n = s.caps.size();
  const std::size_t nt = s.threads.size();
  std::vector<channel> chans;
  chans.reserve(n);
  for (std::size_t c = 0; c < n; ++c) chans.emplace_back(s.is_a[c], s.caps[c]);
  std::vector<std::atomic<bool>> close_invoked(n);
  std::vector<lane> lanes(nt);
  progress prog(cfg);
  start_line start(nt);

  // A closed answer is allowed only once the channel's close has been invoked (close happens
  // before the answer: S4, and the send side's ordering with the closed bit or the mutex).
  const auto closed_answer = [&](lane& me, std::size_t c, const char* what) {
    if (!close_invoked[c].load()) {
      me.errors.push_back(str(what, " on c", c, " before any close of it was invoked"));
    }
  };

  const auto sender = [&](std::size_t t) {
    const cthread& th = s.threads[t];
    lane& me = lanes[t];
    csp_test::detail::jitter jit(seed, t);
    start.arrive_and_wait();
    jit.start();
    for (std::size_t i = 0; i < th.steps.size(); ++i) {
      jit.between();
      me.at.store(i);
      const cstep& st = th.steps[i];
      prog.tick();
      switch (st.k) {
        case cstep::kind::send:
          try {
            chans[st.ch].visit([&](const auto& ch) { ch.send(st.value); });
            me.sent.emplace_back(st.value, st.ch);
          } catch (const csp::closed_channel_error&) {
            closed_answer(me, st.ch, "a plain send threw closed_channel_error");
          }
          break;
        case cstep::kind::close:
          close_invoked[st.ch].store(true);
          try {
            chans[st.ch].visit([](const auto& ch) { ch.close(); });
          } catch (const csp::closed_channel_error&) {
            me.errors.push_back(str("the script's close(c", st.ch, ") threw: already closed"));
          }
          break;
        case cstep::kind::select: {
          select_run<Fam, false> run;
          for (std::size_t k = 0; k < st.cases.size(); ++k) {
            run.refs.push_back({st.cases[k].send, &chans[st.cases[k].ch]});
            run.args[k] = st.cases[k].value;
          }
          ++me.selects;
          std::size_t r = 0;
          bool threw = false;
          try {
            r = dispatch<sender_cases, M>(run);
          } catch (const csp::closed_channel_error&) {
            threw = true;
          }
          if (threw) {
            ++me.throws;
            bool closed_send = false;
            for (const cspec& c : st.cases) {
              closed_send = closed_send || (c.send && close_invoked[c.ch].load());
            }
            if (run.fired != 0 || !closed_send) {
              me.errors.push_back(
                  str(describe(st), " threw with ", run.fired,
                      " handler(s) run; a send case's close invoked: ", closed_send));
            }
          } else if (run.fired != 1 || run.fired_index != r) {
            me.errors.push_back(str(describe(st), " returned ", r, " but ", run.fired,
                                    " handler(s) ran, the last for case ", run.fired_index));
          } else if (st.cases[r].send) {
            me.sent.emplace_back(st.cases[r].value, st.cases[r].ch);
          } else if (run.got) {
            me.received.emplace_back(*run.got, st.cases[r].ch);
          } else {
            closed_answer(me, st.cases[r].ch, "a receive case got nullopt");
          }
          break;
        }
      }
      prog.tick();
    }
    me.done.store(true);
    prog.finished(0);
  };

  const auto receiver = [&](std::size_t t) {
    const cthread& th = s.threads[t];
    lane& me = lanes[t];
    csp_test::detail::jitter jit(seed, t);
    xorshift rng{(seed + 7) * 0x9E3779B97F4A7C15ULL + t + 1};
    // Go's nil channels: stand-ins, of the same types, that nobody else uses.
    std::vector<channel> nil;
    nil.reserve(n);
    for (std::size_t c = 0; c < n; ++c) nil.emplace_back(s.is_a[c], 0);
    std::vector<bool> seen_closed(n, false);
    std::size_t open = n;
    std::size_t next_offer = 0;
    start.arrive_and_wait();
    jit.start();
    for (std::size_t iteration = 0; open > 0; ++iteration) {
      jit.between();
      me.at.store(iteration);
      prog.tick();
      const bool offering = next_offer < th.offers.size();
      if (open == 1 && !offering && rng.coin()) {  // one channel left: sometimes a plain recv
        std::size_t c = 0;
        while (seen_closed[c]) ++c;
        const std::optional<int> v = chans[c].visit([](const auto& ch) { return ch.recv(); });
        if (v) {
          me.received.emplace_back(*v, c);
        } else {
          seen_closed[c] = true;
          --open;
          closed_answer(me, c, "a plain recv got nullopt");
        }
      } else {
        select_run<Fam, false> run;
        const cspec offer = offering ? th.offers[next_offer] : cspec{true, 0, -1};
        run.refs.push_back({true, offering ? &chans[offer.ch] : &nil[0]});
        run.args[0] = offer.value;
        for (std::size_t c = 0; c < n; ++c) {
          run.refs.push_back({false, seen_closed[c] ? &nil[c] : &chans[c]});
        }
        ++me.selects;
        std::size_t r = 0;
        bool threw = false;
        try {
          r = dispatch<receiver_cases, M>(run);
        } catch (const csp::closed_channel_error&) {
          threw = true;
        }
        if (threw) {
          ++me.throws;
          if (!offering || run.fired != 0) {
            me.errors.push_back(str("a receiver's select threw; offering: ", offering,
                                    ", handlers run: ", run.fired));
          } else {
            closed_answer(me, offer.ch, "a receiver's send case threw");
            ++next_offer;
          }
        } else if (run.fired != 1 || run.fired_index != r) {
          me.errors.push_back(str("a receiver's select returned ", r, " but ", run.fired,
                                  " handler(s) ran, the last for case ", run.fired_index));
        } else if (r == 0) {
          if (!offering) {
            me.errors.push_back("a send to a channel nobody receives from completed");
          } else {
            me.sent.emplace_back(offer.value, offer.ch);
            ++next_offer;
          }
        } else {
          const std::size_t c = r - 1;
          if (seen_closed[c]) {
            me.errors.push_back(str("a receive from the stand-in of closed c", c, " completed"));
          } else if (run.got) {
            me.received.emplace_back(*run.got, c);
          } else {
            seen_closed[c] = true;
            --open;
            closed_answer(me, c, "a receive case got nullopt");
          }
        }
      }
      prog.tick();
    }
    me.done.store(true);
    prog.finished(1);
  };

  std::size_t senders = 0;
  std::vector<std::thread> threads;
  threads.reserve(nt);
  for (std::size_t t = 0; t < nt; ++t) {
    if (s.threads[t].receiver) {
      threads.emplace_back(receiver, t);
    } else {
      ++senders;
      threads.emplace_back(sender, t);
    }
  }

  const auto stall_report = [&] {
    std::string r =
        str("LIVENESS: no operation started or returned for ", cfg.stall.count(), " ms; stuck:");
    for (std::size_t t = 0; t < nt; ++t) {
      if (lanes[t].done.load()) continue;
      const std::size_t i = lanes[t].at.load();
      r += s.threads[t].receiver
               ? str("\n  t", t, " in its receive loop, iteration ", i)
               : str("\n  t", t, " at step ", i, " ", describe(s.threads[t].steps[i]));
    }
    return r;
  };
  std::optional<std::string> stalled;
  if (!prog.await(0, senders)) stalled = stall_report();
  if (!stalled) {
    // The coordinator: every sender is done; close what the script did not.
    for (std::size_t c = 0; c < n; ++c) {
      if (close_invoked[c].load()) continue;
      close_invoked[c].store(true);
      prog.tick();
      chans[c].visit([](const auto& ch) { ch.close(); });
    }
    if (!prog.await(1, nt - senders)) stalled = stall_report();
  }
  if (stalled) {
    // Rescue: close everything, so the threads can be joined and the property can shrink.
    for (std::size_t c = 0; c < n; ++c) {
      close_invoked[c].store(true);
      try {
        chans[c].visit([](const auto& ch) { ch.close(); });
      } catch (const csp::closed_channel_error&) {
      }
    }
    if (!prog.await(0, senders) || !prog.await(1, nt - senders)) {
      abort_stuck(str("scenario: ", describe(s), "\n", *stalled));
    }
  }
  for (std::thread& th : threads) th.join();
  if (stalled) return str(*stalled, "\n(the threads ended once every channel was closed)");

  // Conservation, exactly once, FIFO per sender and channel.
  std::vector<std::string> errors;
  std::map<int, std::size_t> sent;  // value -> channel
  for (std::size_t t = 0; t < nt; ++t) {
    for (const std::string& e : lanes[t].errors) errors.push_back(str("t", t, ": ", e));
    for (const auto& [v, c] : lanes[t].sent) {
      if (!sent.emplace(v, c).second) errors.push_back(str(v, " was sent twice"));
    }
  }
  std::map<int, int> times_received;
  for (std::size_t t = 0; t < nt; ++t) {
    std::map<std::pair<int, std::size_t>, int> last_rank;  // (sender, channel) -> rank
    for (const auto& [v, c] : lanes[t].received) {
      const auto it = sent.find(v);
      if (it == sent.end()) {
        errors.push_back(str("t", t, " received ", v, " on c", c, ", whose send did not complete"));
      } else if (it->second != c) {
        errors.push_back(
            str("t", t, " received ", v, " on c", c, ", but it was sent on c", it->second));
      }
      if (++times_received[v] == 2) errors.push_back(str(v, " was received twice"));
      const auto key = std::make_pair(sender_of(v), c);
      const auto last = last_rank.find(key);
      if (last != last_rank.end() && last->second > rank_of(v)) {
        errors.push_back(str("t", t, " received ", v, " after ",
                             (sender_of(v) + 1) * 1000 + last->second, " from the same sender on c",
                             c));
      }
      last_rank[key] = rank_of(v);
    }
  }
  for (const auto& [v, c] : sent) {
    if (times_received.count(v) == 0) {
      errors.push_back(str(v, " was sent on c", c, " (the send completed) but never received"));
    }
  }
  ++stats.runs;
  for (const lane& l : lanes) {
    stats.selects += l.selects;
    stats.throws += l.throws;
    stats.sends += l.sent.size();
    stats.receives += l.received.size();
  }
  if (errors.empty()) return std::nullopt;
  std::string report;
  for (const std::string& e : errors) report += str("  ", e, "\n");
  for (std::size_t t = 0; t < nt; ++t) {
    report += str("  t", t, " sent:");
    for (const auto& [v, c] : lanes[t].sent) report += str(" c", c, "<-", v);
    report += " received:";
    for (const auto& [v, c] : lanes[t].received) report += str(" c", c, "->", v);
    report += "\n";
  }
  return report;
}

template <class Fam, mix M>
void concurrent_selects_conserve_values(impls which, std::size_t runs, const watchdog_config& cfg,
                                        concurrent_stats& stats) {
  const cscenario s = generate_scenario(which);
  for (std::size_t r = 0; r < runs; ++r) {
    if (const auto failure = run_concurrent<Fam, M>(s, r, cfg, stats)) {
      const std::string seed = std::to_string(rc::detail::configuration().testParams.seed);
      RC_FAIL(str("scenario: ", describe(s), "\nrun ", r + 1, " of ", runs, ":\n", *failure,
                  "RapidCheck seed ", seed, " (RC_PARAMS=\"seed=", seed, "\")"));
    }
  }
}

template <class Fam, mix M>
void check_concurrent(impls which, const char* name) {
  concurrent_stats stats;
  const watchdog_config cfg;
  const auto t0 = std::chrono::steady_clock::now();
  check_n(concurrent_tests,
          [&] { concurrent_selects_conserve_values<Fam, M>(which, concurrent_runs, cfg, stats); });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "[scenarios] %s: %zu runs, %zu selects (%zu threw), %zu values sent, %zu received,"
      " %.1f s\n",
      name, stats.runs, stats.selects, stats.throws, stats.sends, stats.receives, secs);
}

// ---- (c) losing sends ---------------------------------------------------------------------------

// A move-only value that counts the times it was moved out of its home: the object it was
// constructed as (a select's argument). Moving a value back into its home does not count.
class token {
 public:
  token() = default;
  token(int id, std::atomic<int>* moved_out) noexcept
      : id_(id), moved_out_(moved_out), home_(this) {}
  token(token&& o) noexcept : id_(o.id_), moved_out_(o.moved_out_) { o.leave(); }
  token& operator=(token&& o) noexcept {
    id_ = o.id_;
    moved_out_ = o.moved_out_;
    o.leave();
    return *this;
  }
  token(const token&) = delete;
  token& operator=(const token&) = delete;
  ~token() = default;

  int id() const noexcept { return id_; }

 private:
  void leave() noexcept {
    if (home_ == this && moved_out_ != nullptr) moved_out_->fetch_add(1);
    id_ = -1;
  }
  int id_ = -1;
  std::atomic<int>* moved_out_ = nullptr;
  const token* home_ = nullptr;
};

// An element type made from a token: sending a token on a channel<boxed> converts it.
struct boxed {
  boxed(token&& t) noexcept : tok(std::move(t)) {}  // NOLINT: implicit, a converting send
  token tok;
};

int id_of(const token& t) {
  return t.id();
}
int id_of(const boxed& b) {
  return b.tok.id();
}

enum class strictness : std::uint8_t { keeps_value, never_moved };

struct loser_scenario {
  std::array<std::size_t, 2> caps{};
  std::array<bool, 2> is_a{};
  std::vector<std::vector<bool>> with_default;  // per selector thread, per round
};

std::string describe(const loser_scenario& s) {
  std::string out = str("c0 ", kind_name(s.is_a[0]), " cap ", s.caps[0], ", c1 ",
                        kind_name(s.is_a[1]), " cap ", s.caps[1], " (through send_only)");
  for (std::size_t t = 0; t < s.with_default.size(); ++t) {
    out += str("; selector t", t, ":");
    for (const bool d : s.with_default[t]) out += d ? " [send,send,default]" : " [send,send]";
  }
  return out + "; two drainers";
}

// select(on_send(c0, move(t0)), on_send(c1.sender(), move(t1)) [, on_default]).
template <bool A0, bool A1, bool Default, class Fam, class T>
std::size_t two_sends_as(const any_channel<Fam, T>& c0, const any_channel<Fam, T>& c1, token& t0,
                         token& t1, int& fired) {
  const auto note = [&fired] { ++fired; };
  const auto& ch0 = c0.template get<A0>();
  const auto& ch1 = c1.template get<A1>();
  if constexpr (Default) {
    return csp::select(csp::on_send(ch0, std::move(t0), note),
                       csp::on_send(ch1.sender(), std::move(t1), note), csp::on_default(note));
  } else {
    return csp::select(csp::on_send(ch0, std::move(t0), note),
                       csp::on_send(ch1.sender(), std::move(t1), note));
  }
}

template <class Fam, class T, bool Default>
std::size_t two_sends(const any_channel<Fam, T>& c0, const any_channel<Fam, T>& c1, token& t0,
                      token& t1, int& fired) {
  if (c0.is_a()) {
    return c1.is_a() ? two_sends_as<true, true, Default>(c0, c1, t0, t1, fired)
                     : two_sends_as<true, false, Default>(c0, c1, t0, t1, fired);
  }
  return c1.is_a() ? two_sends_as<false, true, Default>(c0, c1, t0, t1, fired)
                   : two_sends_as<false, false, Default>(c0, c1, t0, t1, fired);
}

template <class Fam, class T>
std::optional<std::string> run_losers(const loser_scenario& s, std::uint64_t seed,
                                      strictness strict, const watchdog_config& cfg) {
  using channel = any_channel<Fam, T>;
  const std::array<channel, 2> chans{channel(s.is_a[0], s.caps[0]), channel(s.is_a[1], s.caps[1])};
  const std::size_t selectors = s.with_default.size();
  std::size_t ids = 0;
  for (const auto& rounds : s.with_default) ids += 2 * rounds.size();
  std::vector<std::atomic<int>> moved_out(ids);
  std::vector<std::vector<std::string>> errors(selectors + 2);
  std::vector<std::vector<int>> chosen;  // ids whose case was chosen, per selector
  chosen.resize(selectors);
  std::array<std::vector<int>, 2> received;  // per drainer
  progress prog(cfg);
  start_line start(selectors + 2);

  const auto selector = [&](std::size_t t, int first_id) {
    csp_test::detail::jitter jit(seed, t);
    start.arrive_and_wait();
    jit.start();
    for (std::size_t round = 0; round < s.with_default[t].size(); ++round) {
      jit.between();
      const int id0 = first_id + 2 * static_cast<int>(round);
      const int id1 = id0 + 1;
      token t0(id0, &moved_out[static_cast<std::size_t>(id0)]);
      token t1(id1, &moved_out[static_cast<std::size_t>(id1)]);
      int fired = 0;
      std::size_t r = 3;
      prog.tick();
      try {
        r = s.with_default[t][round] ? two_sends<Fam, T, true>(chans[0], chans[1], t0, t1, fired)
                                     : two_sends<Fam, T, false>(chans[0], chans[1], t0, t1, fired);
      } catch (const csp::closed_channel_error&) {  // only after a rescue close
        errors[t].push_back(str("round ", round, ": select threw closed_channel_error"));
      }
      prog.tick();
      const std::string what = str("round ", round, " (ids ", id0, ", ", id1, ") chose ", r);
      if (fired != 1) errors[t].push_back(str(what, ": ", fired, " handlers ran"));
      const std::array<const token*, 2> args{&t0, &t1};
      for (std::size_t k = 0; k < 2; ++k) {
        const int id = id0 + static_cast<int>(k);
        if (k == r) {
          chosen[t].push_back(id);
          continue;
        }
        if (args[k]->id() != id) {
          errors[t].push_back(str(what, ": the losing argument of case ", k, " holds ",
                                  args[k]->id(), " instead of its token ", id));
        } else if (strict == strictness::never_moved &&
                   moved_out[static_cast<std::size_t>(id)].load() != 0) {
          errors[t].push_back(str(what, ": the losing argument of case ", k,
                                  " was moved from (and given back) ",
                                  moved_out[static_cast<std::size_t>(id)].load(), " time(s)"));
        }
      }
    }
    prog.finished(0);
  };
  const auto drainer = [&](std::size_t c) {
    start.arrive_and_wait();
    chans[c].visit([&](const auto& ch) {
      for (auto&& v : ch) {
        prog.tick();
        received[c].push_back(id_of(v));
      }
    });
    prog.finished(1);
  };

  std::vector<std::thread> threads;
  int first_id = 0;
  for (std::size_t t = 0; t < selectors; ++t) {
    threads.emplace_back(selector, t, first_id);
    first_id += 2 * static_cast<int>(s.with_default[t].size());
  }
  threads.emplace_back(drainer, 0);
  threads.emplace_back(drainer, 1);
  std::optional<std::string> stalled;
  if (!prog.await(0, selectors)) stalled = "LIVENESS: a blocking select never completed";
  for (const channel& c : chans) {
    try {
      c.visit([](const auto& ch) { ch.close(); });
    } catch (const csp::closed_channel_error&) {
    }
  }
  if (!prog.await(0, selectors) || !prog.await(1, 2)) {
    abort_stuck(str("scenario: ", describe(s), "\nthe drainers did not end after close"));
  }
  for (std::thread& th : threads) th.join();
  if (stalled) return *stalled;

  std::string report;
  for (std::size_t t = 0; t < selectors; ++t) {
    for (const std::string& e : errors[t]) report += str("  selector t", t, ": ", e, "\n");
  }
  std::map<int, int> got;
  for (const auto& r : received) {
    for (const int id : r) ++got[id];
  }
  for (const auto& ids_chosen : chosen) {
    for (const int id : ids_chosen) {
      if (got[id] != 1) {
        report += str("  the token ", id, " of a chosen case was received ", got[id], " times\n");
      }
      got.erase(id);
    }
  }
  for (const auto& [id, times] : got) {
    report += str("  token ", id, " was received ", times, " time(s) but its case lost\n");
  }
  if (report.empty()) return std::nullopt;
  return report;
}

template <class Fam, class T>
void losing_sends_leave_their_argument(impls which, strictness strict) {
  loser_scenario s;
  for (std::size_t c = 0; c < 2; ++c) {
    s.caps[c] = *rc::gen::element<std::size_t>(0, 1, 2);
    s.is_a[c] = pick_a(which);
  }
  const auto selectors = *rc::gen::element<std::size_t>(1, 2, 3);
  for (std::size_t t = 0; t < selectors; ++t) {
    s.with_default.push_back(*rc::gen::container<std::vector<bool>>(
        *rc::gen::element<std::size_t>(4, 8), rc::gen::arbitrary<bool>()));
  }
  const watchdog_config cfg;
  for (std::size_t r = 0; r < loser_runs; ++r) {
    if (const auto failure = run_losers<Fam, T>(s, r, strict, cfg)) {
      RC_FAIL(str("scenario: ", describe(s), "\nrun ", r + 1, " of ", loser_runs, ":\n", *failure));
    }
  }
}

// ---- planted bugs
// ---------------------------------------------------------------------------------
//
// Test doubles that break one promise, built from the real code: backends that plant one of the
// library's own mutation points (csp/sync/mutation.hpp) or change select's random choice, and
// mutex-based channels with one select hook replaced. csp/select.hpp reaches a channel's hooks
// through detail::select_access, a friend of the channel; a class derived from the channel
// inherits them, and a public hook of its own hides the inherited one.

template <class Tag>
struct mutant_backend : csp::sync::std_backend {
  using mutant = Tag;
};

// select never shuffles: random() always answers 0, so cases are polled in one fixed order.
struct unshuffled_backend : csp::sync::std_backend {
  static std::uint32_t random(std::uint32_t) noexcept { return 0; }
};

// A select's poll of a receive case answers `empty`, even with values buffered or the channel
// closed: the symptom of Vyukov's ring (../shared/TOOLCHAIN.md) — a select with a default takes
// the default on a non-empty channel.
template <class T, class B = csp::sync::std_backend>
class recv_poll_says_empty : public csp::mutex_based::channel<T, B> {
 public:
  using csp::mutex_based::channel<T, B>::channel;
  csp::status select_poll_recv(csp::detail::sink<T>&) const { return csp::status::empty; }
};

// A select's poll of a send case moves the argument out, discards it, and answers `full`.
template <class T, class B = csp::sync::std_backend>
class send_poll_steals : public csp::mutex_based::channel<T, B> {
 public:
  using csp::mutex_based::channel<T, B>::channel;
  csp::status select_poll_send(const csp::detail::source<T>& src) const {
    std::optional<T> taken;
    src.emplace(taken);
    return csp::status::full;
  }
};

}  // namespace

// The doubles speak the mutex-based protocol.
template <class T, class B>
struct csp::detail::select_family<recv_poll_says_empty<T, B>> {
  static constexpr bool locked = true;
  using backend = B;
};
template <class T, class B>
struct csp::detail::select_family<send_poll_steals<T, B>> {
  static constexpr bool locked = true;
  using backend = B;
};

namespace {

struct recv_poll_says_empty_family {
  template <class T>
  using a = recv_poll_says_empty<T>;
  template <class T>
  using b = recv_poll_says_empty<T>;
};
struct send_poll_steals_family {
  template <class T>
  using a = send_poll_steals<T>;
  template <class T>
  using b = send_poll_steals<T>;
};

using std_family = real_family<csp::sync::std_backend>;
constexpr mix all = mix::both;

// ---- the tests
// ------------------------------------------------------------------------------------

TEST(SelectProp, LockFreeSequentialSelectsMatchTheModel) {
  check_n(sequential_tests,
          [] { sequential_selects_match_the_model<std_family, all>(impls::a_only); });
}
TEST(SelectProp, MutexBasedSequentialSelectsMatchTheModel) {
  check_n(sequential_tests,
          [] { sequential_selects_match_the_model<std_family, all>(impls::b_only); });
}
TEST(SelectProp, MixedSequentialSelectsMatchTheModel) {
  check_n(sequential_tests,
          [] { sequential_selects_match_the_model<std_family, all>(impls::mixed); });
}

TEST(SelectProp, LockFreeReadyCasesAreChosenFairly) {
  check_n(fairness_tests, [] { ready_cases_are_chosen_fairly<std_family, all>(impls::a_only); });
}
TEST(SelectProp, MutexBasedReadyCasesAreChosenFairly) {
  check_n(fairness_tests, [] { ready_cases_are_chosen_fairly<std_family, all>(impls::b_only); });
}
TEST(SelectProp, MixedReadyCasesAreChosenFairly) {
  check_n(fairness_tests, [] { ready_cases_are_chosen_fairly<std_family, all>(impls::mixed); });
}

TEST(SelectProp, LockFreeConcurrentSelectsConserveValues) {
  check_concurrent<std_family, all>(impls::a_only, "lock_free");
}
TEST(SelectProp, MutexBasedConcurrentSelectsConserveValues) {
  check_concurrent<std_family, all>(impls::b_only, "mutex_based");
}
TEST(SelectProp, MixedConcurrentSelectsConserveValues) {
  check_concurrent<std_family, all>(impls::mixed, "mixed");
}

// Both of the family's templates mutex-based: for the promises only that channel makes (a
// losing argument is never even moved from; a move-only converting send).
struct mutex_based_family {
  template <class T>
  using a = csp::mutex_based::channel<T>;
  template <class T>
  using b = csp::mutex_based::channel<T>;
};

TEST(SelectProp, LosingSendKeepsItsArgument) {
  check_n(loser_tests, [] {
    losing_sends_leave_their_argument<std_family, token>(impls::mixed, strictness::keeps_value);
  });
}
TEST(SelectProp, LosingSendNeverMovesItsArgument) {
  check_n(loser_tests, [] {
    // Mutex-based channels only: a buffered lock-free channel publishes a value already in its
    // ring, so a send case that loses the publish race is moved into the ring and back (its
    // value is kept: LosingSendKeepsItsArgument checks that over every implementation).
    losing_sends_leave_their_argument<mutex_based_family, token>(impls::b_only,
                                                                 strictness::never_moved);
  });
}

TEST(SelectProp, LosingConvertingSendKeepsItsArgument) {
  check_n(loser_tests, [] {
    losing_sends_leave_their_argument<mutex_based_family, boxed>(impls::b_only,
                                                                 strictness::keeps_value);
  });
}

// ---- the properties can fail ------------------------------------------------------------------

TEST(PlantedSelectProp, SequentialPropertyFalsifiesAPollThatSaysEmpty) {
  EXPECT_FALSE(check_n(
      sequential_tests,
      [] {
        sequential_selects_match_the_model<recv_poll_says_empty_family, mix::a_only>(impls::a_only);
      },
      true))
      << "the sequential property accepted a select that takes the default over a ready receive";
}

TEST(PlantedSelectProp, FairnessPropertyFalsifiesAnUnshuffledSelect) {
  EXPECT_FALSE(check_n(
      fairness_tests,
      [] {
        ready_cases_are_chosen_fairly<real_family<unshuffled_backend>, mix::a_only>(impls::a_only);
      },
      true))
      << "the fairness property accepted a select that polls its cases in a fixed order";
}

TEST(PlantedSelectProp, ConcurrentPropertyFalsifiesANonExclusiveClaim) {
  if (sanitized) GTEST_SKIP() << "the planted bug is a data race: TSan would halt the lane";
  using fam = real_family<mutant_backend<csp::detail::mutation::select_claim_not_exclusive>>;
  concurrent_stats stats;
  const watchdog_config cfg;
  EXPECT_FALSE(check_n(
      concurrent_tests * 4,
      [&] {
        concurrent_selects_conserve_values<fam, mix::a_only>(impls::a_only, concurrent_runs, cfg,
                                                             stats);
      },
      true))
      << "the concurrent property accepted a select that two channels can both complete";
}

TEST(PlantedSelectProp, WatchdogFalsifiesALostWakeUp) {
  using fam = real_family<mutant_backend<csp::lock_free::mutation::ring_close_skips_full>>;
  concurrent_stats stats;
  watchdog_config cfg;
  cfg.stall = sanitized ? 5000ms : 500ms;
  EXPECT_FALSE(check_n(
      concurrent_tests * 4,
      [&] {
        concurrent_selects_conserve_values<fam, mix::a_only>(impls::a_only, concurrent_runs, cfg,
                                                             stats);
      },
      true))
      << "the watchdog accepted a close that never reaches a select waiting on a full channel";
}

TEST(PlantedSelectProp, LoserPropertyFalsifiesAPollThatSteals) {
  EXPECT_FALSE(check_n(
      loser_tests,
      [] {
        losing_sends_leave_their_argument<send_poll_steals_family, token>(impls::a_only,
                                                                          strictness::keeps_value);
      },
      true))
      << "the losing-send property accepted a select that moves a losing case's argument";
}

}  // namespace
