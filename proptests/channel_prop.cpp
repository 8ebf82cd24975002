// RapidCheck properties of every channel implementation family
// (primitives/tests/channel_impls.hpp), against the reference model of proptests/channel_model.hpp.
//
//  * sequential: generated scripts of try_send / try_recv / close / size / closed — and send /
//    recv where they cannot wait — on channels of generated capacity agree with the model,
//    answer by answer (rc::state). Single-threaded no partner can be waiting, so here the
//    unbuffered full / empty answers are pinned exactly;
//  * concurrent: generated scenarios (2–3 threads, 1–4 operations each, capacity 0, 1 or 2) run
//    many times on real threads; every recorded history must be linearizable with respect to
//    the model (proptests/channel_scenarios.hpp, proptests/linearizability.hpp). A failure
//    prints the scenario and the offending history with the checker's account of it;
//    RapidCheck prints the seed ("Using configuration: seed=...") and the reproduce string;
//  * the checker can fail: the same properties run over planted non-linearizable channels
//    (proptests/planted_channels.hpp) must be falsified.
//
// Sizes: 100 scenarios per capacity and family (RapidCheck's default), each run
// runs_per_scenario times; fewer under the sanitizers, whose threads are 5–15x slower.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "channel_impls.hpp"
#include "channel_model.hpp"
#include "channel_scenarios.hpp"
#include "linearizability.hpp"
#include "planted_channels.hpp"
#include <rapidcheck.h>

namespace csp_test {

// How RapidCheck shows generated values and assertion operands (found by ADL).
inline void showValue(op_kind k, std::ostream& os) {
  os << to_string(k);
}
inline void showValue(const outcome& o, std::ostream& os) {
  os << csp::to_string(o.st) << " " << o.value;
}

}  // namespace csp_test

namespace {

using csp_test::channel_model;
using csp_test::op_kind;
using csp_test::outcome;

constexpr std::size_t runs_per_scenario = csp_test::under_sanitizer ? 20 : 60;

// ---- sequential -----------------------------------------------------------------------------

// One operation of the script; the model decides whether it may run (a send or recv that
// would wait forever single-threaded is discarded) and what it must answer.
template <class Ch, op_kind K>
struct channel_command final : rc::state::Command<channel_model, Ch> {
  int arg = csp_test::is_send(K) ? *rc::gen::inRange(1, 1000) : 0;

  void checkPreconditions(const channel_model& m) const override {
    RC_PRE(m.solo(K, arg).has_value());
  }
  void apply(channel_model& m) const override { m.apply(K, arg); }
  void run(const channel_model& m, Ch& ch) const override {
    const outcome expected = *m.solo(K, arg);
    const outcome answered = csp_test::perform(ch, K, arg);
    RC_ASSERT(answered == expected);
  }
  void show(std::ostream& os) const override {
    os << csp_test::to_string(K);
    if (csp_test::is_send(K)) os << "(" << arg << ")";
  }
};

template <class Impl>
void sequential_scripts_match_the_model() {
  using Ch = typename Impl::template channel<int>;
  const auto capacity = *rc::gen::inRange<std::size_t>(0, 5);
  Ch ch(capacity);
  rc::state::check(channel_model(capacity), ch,
                   rc::state::gen::execOneOfWithArgs<
                       channel_command<Ch, op_kind::send>, channel_command<Ch, op_kind::recv>,
                       channel_command<Ch, op_kind::try_send>,
                       channel_command<Ch, op_kind::try_recv>, channel_command<Ch, op_kind::close>,
                       channel_command<Ch, op_kind::size>, channel_command<Ch, op_kind::closed>>());
}

// ---- concurrent -----------------------------------------------------------------------------

// Coverage counters per family and capacity, printed after each property.
csp_test::run_stats& stats_of(const char* family, std::size_t capacity) {
  const std::string key = csp_test::detail::cat(family, " capacity ", std::to_string(capacity));
  static std::vector<std::pair<std::string, csp_test::run_stats>> all;
  for (auto& [k, s] : all) {
    if (k == key) return s;
  }
  return all.emplace_back(key, csp_test::run_stats{}).second;
}

template <class Impl>
void concurrent_histories_are_linearizable(std::size_t capacity) {
  const auto op = rc::gen::weightedElement<op_kind>({{3, op_kind::send},
                                                     {3, op_kind::recv},
                                                     {2, op_kind::try_send},
                                                     {2, op_kind::try_recv},
                                                     {1, op_kind::close},
                                                     {1, op_kind::size},
                                                     {1, op_kind::closed}});
  csp_test::scenario s;
  s.capacity = capacity;
  // gen::element is uniform (inRange favours small values at RapidCheck's small sizes) and
  // shrinks towards the first choice.
  const int threads = *rc::gen::element(2, 3);
  for (int t = 0; t < threads; ++t) {
    const auto len = *rc::gen::element<std::size_t>(1, 2, 3, 4);
    s.threads.push_back(*rc::gen::container<std::vector<op_kind>>(len, op));
  }
  RC_TAG(threads);

  auto& stats = stats_of(Impl::name, capacity);
  if (const auto failure = csp_test::find_violation<Impl>(s, runs_per_scenario, stats)) {
    // The seed is also printed once at start-up ("Using configuration: seed=...") and
    // RapidCheck prints a reproduce string at exit; the same seed regenerates the same
    // scenarios, while thread timing — and so the exact history — may differ.
    const std::string seed = std::to_string(rc::detail::configuration().testParams.seed);
    const std::string report = csp_test::detail::cat(*failure, "RapidCheck seed ", seed,
                                                     " (RC_PARAMS=\"seed=", seed, "\")\n");
    RC_FAIL(report);
  }
}

// Runs the property as RC_GTEST_PROP does (rc::detail::checkGTest is what that macro expands
// to; a typed test cannot use the macro), then prints what the runs covered.
template <class Impl>
void check_concurrent(std::size_t capacity) {
  const auto t0 = std::chrono::steady_clock::now();
  rc::detail::checkGTest([capacity] { concurrent_histories_are_linearizable<Impl>(capacity); });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& st = stats_of(Impl::name, capacity);
  std::printf(
      "[histories] %s, capacity %zu: %zu runs (%zu per scenario), %zu distinct histories, "
      "%zu watchdog closes, %zu search steps, %.1f s\n",
      Impl::name, capacity, st.runs, runs_per_scenario, st.distinct, st.watchdog_closes,
      st.search_steps, secs);
}

template <class Impl>
class ChannelProp : public ::testing::Test {};

struct family_name {
  template <class Impl>
  static std::string GetName(int) {
    return Impl::name;
  }
};

TYPED_TEST_SUITE(ChannelProp, csp_test::channel_impls<::testing::Types>, family_name);

TYPED_TEST(ChannelProp, SequentialScriptsMatchTheModel) {
  rc::detail::checkGTest(&sequential_scripts_match_the_model<TypeParam>);
}
TYPED_TEST(ChannelProp, UnbufferedHistoriesAreLinearizable) {
  check_concurrent<TypeParam>(0);
}
TYPED_TEST(ChannelProp, Capacity1HistoriesAreLinearizable) {
  check_concurrent<TypeParam>(1);
}
TYPED_TEST(ChannelProp, Capacity2HistoriesAreLinearizable) {
  check_concurrent<TypeParam>(2);
}

// ---- the properties can fail ----------------------------------------------------------------

TEST(PlantedChannelProp, ConcurrentPropertyFalsifiesEmptyWhileSending) {
  std::puts("[planted] a RapidCheck failure follows on stderr: it is expected (planted bug)");
  const bool held = rc::check("planted empty_while_sending, capacity 1", [] {
    concurrent_histories_are_linearizable<csp_test::planted::empty_while_sending_family>(1);
  });
  EXPECT_FALSE(held) << "the concurrent property accepted a try_recv that says empty while a "
                        "completed send's value is buffered";
}

TEST(PlantedChannelProp, SequentialPropertyFalsifiesLifo) {
  std::puts("[planted] a RapidCheck failure follows on stderr: it is expected (planted bug)");
  const bool held =
      rc::check("planted lifo_pair, sequential",
                &sequential_scripts_match_the_model<csp_test::planted::lifo_pair_family>);
  EXPECT_FALSE(held) << "the sequential property accepted a channel that breaks FIFO";
}

}  // namespace
