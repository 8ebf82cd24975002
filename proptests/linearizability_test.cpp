// Tests of the linearizability checker itself (proptests/linearizability.hpp): hand-written
// histories it must accept and reject — one per rule of the reference model — and planted
// non-linearizable channels (proptests/planted_channels.hpp) that the real-thread runner plus
// checker must reject, printing the offending history. A checker that accepts everything would
// pass every property; these tests are why a green property means something.
#include "linearizability.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <string>

#include "channel_impls.hpp"
#include "channel_model.hpp"
#include "channel_scenarios.hpp"
#include "planted_channels.hpp"

namespace {

using csp::status;
using csp_test::history;
using csp_test::op_kind;
using csp_test::op_record;

// Builders: thread, [call, ret], then what was asked and answered.
op_record send(std::uint8_t t, std::uint64_t call, std::uint64_t ret, int v,
               status st = status::ok) {
  return {op_kind::send, t, v, {st, 0}, call, ret};
}
op_record try_send(std::uint8_t t, std::uint64_t call, std::uint64_t ret, int v, status st) {
  return {op_kind::try_send, t, v, {st, 0}, call, ret};
}
op_record recv(std::uint8_t t, std::uint64_t call, std::uint64_t ret, std::optional<int> v) {
  return {op_kind::recv, t, 0, {v ? status::ok : status::closed, v.value_or(0)}, call, ret};
}
op_record try_recv(std::uint8_t t, std::uint64_t call, std::uint64_t ret, status st, int v = 0) {
  return {op_kind::try_recv, t, 0, {st, v}, call, ret};
}
op_record close(std::uint8_t t, std::uint64_t call, std::uint64_t ret, status st = status::ok) {
  return {op_kind::close, t, 0, {st, 0}, call, ret};
}
op_record size(std::uint8_t t, std::uint64_t call, std::uint64_t ret, int n) {
  return {op_kind::size, t, 0, {status::ok, n}, call, ret};
}
op_record closed(std::uint8_t t, std::uint64_t call, std::uint64_t ret, bool c) {
  return {op_kind::closed, t, 0, {status::ok, c ? 1 : 0}, call, ret};
}

history make(std::size_t capacity, std::initializer_list<op_record> ops) {
  history h;
  h.capacity = capacity;
  for (const op_record& r : ops) h.add(r);
  return h;
}

// Checks and, on a surprise, shows the checker's account.
void expect_linearizable(const history& h, bool expected) {
  const csp_test::verdict v = csp_test::check_linearizable(h);
  EXPECT_EQ(v.linearizable, expected) << csp_test::describe(h, v);
}
void accepted(const history& h) {
  expect_linearizable(h, true);
}
void rejected(const history& h) {
  expect_linearizable(h, false);
}

// ---- buffered: FIFO, and exact full / empty -------------------------------------------------

TEST(LinearizabilityChecker, BufferedFifo) {
  accepted(make(2, {send(0, 0, 1, 1), send(0, 2, 3, 2), recv(1, 4, 5, 1), recv(1, 6, 7, 2)}));
  rejected(make(2, {send(0, 0, 1, 1), send(0, 2, 3, 2), recv(1, 4, 5, 2), recv(1, 6, 7, 1)}));
  // Overlapping sends may linearize in either order.
  accepted(make(2, {send(0, 0, 3, 1), send(1, 1, 2, 2), recv(2, 4, 5, 2), recv(2, 6, 7, 1)}));
}

TEST(LinearizabilityChecker, ValuesAreNotInventedOrDuplicated) {
  rejected(make(1, {send(0, 0, 1, 1), recv(1, 2, 3, 7)}));
  rejected(make(2, {send(0, 0, 1, 1), recv(1, 2, 3, 1), try_recv(1, 4, 5, status::ok, 1)}));
}

// The promise a select with default relies on (issue 4): try_recv never says empty after a
// send has completed whose value is still buffered — TOOLCHAIN.md's Vyukov-ring history
// exactly: A completes send(1); B completes send(2), then B's try_recv says empty.
TEST(LinearizabilityChecker, EmptyAfterACompletedSendIsRejected) {
  rejected(make(2, {send(0, 0, 1, 1), send(1, 2, 3, 2), try_recv(1, 4, 5, status::empty)}));
  rejected(make(1, {send(0, 0, 1, 1), try_recv(1, 2, 3, status::empty)}));
  // Overlapping the send, empty is fine: the try_recv may come first.
  accepted(make(1, {send(0, 0, 3, 1), try_recv(1, 1, 2, status::empty)}));
  // A concurrent receive may have taken the value.
  accepted(make(1, {send(0, 0, 1, 1), recv(2, 2, 5, 1), try_recv(1, 3, 4, status::empty)}));
}

// ... and try_send never says full after a receive has completed that freed the last slot.
TEST(LinearizabilityChecker, FullAfterACompletedReceiveIsRejected) {
  rejected(make(1, {send(0, 0, 1, 1), recv(1, 2, 3, 1), try_send(0, 4, 5, 2, status::full)}));
  accepted(make(1, {send(0, 0, 1, 1), try_send(0, 2, 3, 2, status::full), recv(1, 4, 5, 1)}));
}

TEST(LinearizabilityChecker, ABlockingSendLinearizesOnlyWhenItCanProceed) {
  // Buffer full and nobody receives: the second send cannot have completed.
  rejected(make(1, {send(0, 0, 1, 1), send(0, 2, 3, 2)}));
  // A receive frees the slot while the send waits.
  accepted(make(1, {send(0, 0, 1, 1), send(0, 2, 7, 2), recv(1, 3, 4, 1), recv(1, 5, 6, 2)}));
  // A receive invoked only after the send returned cannot have made room for it.
  rejected(make(1, {send(0, 0, 1, 1), send(0, 2, 3, 2), recv(1, 4, 5, 1)}));
}

TEST(LinearizabilityChecker, SizeIsConsistentWithTheLinearization) {
  accepted(make(2, {send(0, 0, 1, 1), send(0, 2, 3, 2), size(1, 4, 5, 2)}));
  rejected(make(2, {send(0, 0, 1, 1), send(0, 2, 3, 2), size(1, 4, 5, 1)}));
  accepted(make(2, {send(0, 0, 3, 1), size(1, 1, 2, 0)}));
  accepted(make(2, {send(0, 0, 3, 1), size(1, 1, 2, 1)}));
  rejected(make(0, {send(0, 0, 3, 1), recv(1, 1, 2, 1), size(2, 4, 5, 1)}));
}

// ---- unbuffered: rendezvous -----------------------------------------------------------------

TEST(LinearizabilityChecker, UnbufferedSendAndReceiveMeetAtOnePoint) {
  accepted(make(0, {send(0, 0, 3, 1), recv(1, 1, 2, 1)}));
  accepted(make(0, {send(0, 0, 5, 1), recv(1, 1, 2, 1)}));  // the sender wakes late
  // The send returned before the receive was invoked: no common point.
  rejected(make(0, {send(0, 0, 1, 1), recv(1, 2, 3, 1)}));
  rejected(make(0, {recv(1, 0, 1, 1), send(0, 2, 3, 1)}));
  // Alone an unbuffered send cannot complete.
  rejected(make(0, {send(0, 0, 1, 1)}));
}

TEST(LinearizabilityChecker, UnbufferedTryOperationsNeedABlockingPartner) {
  accepted(make(0, {try_send(0, 1, 2, 1, status::ok), recv(1, 0, 3, 1)}));
  accepted(make(0, {try_recv(0, 1, 2, status::ok, 1), send(1, 0, 3, 1)}));
  // Two try_ operations never meet (neither waits).
  rejected(make(0, {try_send(0, 0, 3, 1, status::ok), try_recv(1, 1, 2, status::ok, 1)}));
}

// The documented decision: stamps cannot tell whether a pending partner was already waiting,
// so unbuffered full / empty are allowed while the channel is open — and never after close.
TEST(LinearizabilityChecker, UnbufferedFullAndEmptyWhileOpenOnly) {
  accepted(make(0, {recv(1, 0, 5, 1), try_send(0, 1, 2, 7, status::full), send(2, 3, 4, 1)}));
  accepted(make(0, {try_recv(0, 0, 1, status::empty)}));
  rejected(make(0, {close(1, 0, 1), try_send(0, 2, 3, 7, status::full)}));
  rejected(make(0, {close(1, 0, 1), try_recv(0, 2, 3, status::empty)}));
  accepted(make(0, {close(1, 0, 3), try_recv(0, 1, 2, status::empty)}));
}

op_record waiting(op_record r, std::uint64_t wait) {
  r.wait = wait;
  return r;
}
bool exact(const history& h) {
  return !csp_test::exactness(h).has_value();
}

// Where the history records when a blocked operation became findable (op_record::wait),
// unbuffered full / empty are judged exactly: a receiver that certainly waited throughout the
// try_send's interval makes `full` wrong.
TEST(ExactnessCheck, FullWhileAReceiverWaitsThroughoutIsRejected) {
  // recv findable from 1, its value's sender invoked at 5: it waits throughout [2, 3].
  EXPECT_FALSE(exact(make(
      0, {waiting(recv(1, 0, 7, 1), 1), try_send(0, 2, 3, 7, status::full), send(2, 5, 6, 1)})));
  // Mirror: try_recv says empty while a sender waits.
  EXPECT_FALSE(exact(
      make(0, {waiting(send(1, 0, 7, 1), 1), try_recv(0, 2, 3, status::empty), recv(2, 5, 6, 1)})));
  // A receiver released only by the close (at 5) waits until then.
  EXPECT_FALSE(exact(make(0, {waiting(recv(1, 0, 7, std::nullopt), 1),
                              try_send(0, 2, 3, 7, status::full), close(2, 5, 6)})));
  const history h =
      make(0, {waiting(recv(1, 0, 7, 1), 1), try_send(0, 2, 3, 7, status::full), send(2, 5, 6, 1)});
  const std::optional<std::string> why = csp_test::exactness(h);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("answered full while t1 recv() waited"), std::string::npos) << *why;
}

op_record took_effect(op_record r, std::uint64_t effect) {
  r.effect = effect;
  return r;
}

// Where the history records when the close took effect (op_record::effect), a receiver it
// released waits until then, and from then on `full` / `empty` is wrong: the answer is `closed`.
TEST(ExactnessCheck, TheCloseReleasesItsWaitersWhereItTakesEffect) {
  // The close [3, 8] took effect at 6: the receiver waits over [2, 6), and after 6 the channel
  // is closed — no point of [2, 7] fits `full`.
  EXPECT_FALSE(
      exact(make(0, {waiting(recv(1, 0, 9, std::nullopt), 1), try_send(0, 2, 7, 7, status::full),
                     took_effect(close(2, 3, 8), 6)})));
  // Without the stamp the close may have taken effect at its call: the point after 3 is free.
  EXPECT_TRUE(exact(make(0, {waiting(recv(1, 0, 9, std::nullopt), 1),
                             try_send(0, 2, 7, 7, status::full), close(2, 3, 8)})));
  // Mirror: try_recv says empty while a sender waits until the close.
  EXPECT_FALSE(exact(make(0, {waiting(send(1, 0, 9, 1, status::closed), 1),
                              try_recv(0, 2, 7, status::empty), took_effect(close(2, 3, 8), 6)})));
  // Nobody waits, but the whole answer comes after the close took effect.
  const history late =
      make(0, {took_effect(close(1, 0, 3), 1), try_send(0, 2, 4, 7, status::full)});
  const std::optional<std::string> why = csp_test::exactness(late);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("after the close took effect at 1"), std::string::npos) << *why;
  // A point before the effect, with nobody waiting, fits `full`.
  EXPECT_TRUE(exact(make(0, {took_effect(close(1, 0, 5), 4), try_send(0, 2, 3, 7, status::full)})));
}

TEST(ExactnessCheck, FullIsExactWhenSomePointHasNobodyCertainlyWaiting) {
  // Findable only from 3: the point between 2 and 3 is free.
  EXPECT_TRUE(exact(make(
      0, {waiting(recv(1, 0, 7, 1), 3), try_send(0, 2, 4, 7, status::full), send(2, 5, 6, 1)})));
  // Its partner was invoked at 1: it may have been taken before the try_send ran.
  EXPECT_TRUE(exact(make(
      0, {waiting(recv(1, 0, 7, 1), 1), try_send(0, 2, 3, 7, status::full), send(2, 1, 6, 1)})));
  // Without a wait stamp (real-thread histories) nothing is judged.
  EXPECT_TRUE(
      exact(make(0, {recv(1, 0, 7, 1), try_send(0, 2, 3, 7, status::full), send(2, 5, 6, 1)})));
  // Buffered channels are judged by linearizability alone.
  EXPECT_TRUE(exact(
      make(1, {waiting(send(1, 0, 7, 1), 1), try_recv(0, 2, 3, status::empty), recv(2, 5, 6, 1)})));
}

// ---- close ----------------------------------------------------------------------------------

TEST(LinearizabilityChecker, SendsAfterCloseFail) {
  rejected(make(1, {close(1, 0, 1), send(0, 2, 3, 1)}));
  accepted(make(1, {close(1, 0, 1), send(0, 2, 3, 1, status::closed)}));
  rejected(make(1, {close(1, 0, 1), try_send(0, 2, 3, 1, status::ok)}));
  // A send blocked at close fails (it can only linearize after the close).
  accepted(make(
      1, {send(0, 0, 1, 1), send(0, 2, 7, 2, status::closed), close(1, 3, 4), recv(2, 5, 6, 1)}));
  accepted(make(0, {send(0, 0, 3, 1, status::closed), close(1, 1, 2)}));
  // ... but not when it returned before the close was invoked.
  rejected(make(0, {send(0, 0, 1, 1, status::closed), close(1, 2, 3)}));
}

TEST(LinearizabilityChecker, BufferedValuesDrainBeforeNullopt) {
  accepted(make(1, {send(0, 0, 1, 1), close(0, 2, 3), recv(1, 4, 5, 1), recv(1, 6, 7, {})}));
  rejected(make(1, {send(0, 0, 1, 1), close(0, 2, 3), recv(1, 4, 5, {})}));
  rejected(make(1, {send(0, 0, 1, 1), close(0, 2, 3), try_recv(1, 4, 5, status::closed)}));
  // A receive that blocked, and the value it should have drained arrived before the close.
  rejected(make(1, {recv(1, 0, 5, {}), send(0, 1, 2, 1), close(0, 3, 4)}));
  // nullopt only after a close.
  rejected(make(1, {recv(1, 0, 1, {}), close(0, 2, 3)}));
  accepted(make(0, {recv(1, 0, 3, {}), close(0, 1, 2)}));
}

TEST(LinearizabilityChecker, CloseOfAClosedChannelThrows) {
  rejected(make(0, {close(0, 0, 1), close(1, 2, 3)}));
  accepted(make(0, {close(0, 0, 1), close(1, 2, 3, status::closed)}));
  accepted(make(0, {close(0, 0, 3, status::closed), close(1, 1, 2)}));
  rejected(make(0, {close(0, 0, 3, status::closed), close(1, 1, 2, status::closed)}));
}

TEST(LinearizabilityChecker, ClosedReportsTheFlag) {
  rejected(make(1, {closed(0, 0, 1, true), close(1, 2, 3)}));
  accepted(make(1, {closed(0, 0, 3, true), close(1, 1, 2)}));
  accepted(make(1, {closed(0, 0, 3, false), close(1, 1, 2)}));
  rejected(make(1, {close(1, 0, 1), closed(0, 2, 3, false)}));
}

// Everything overlapping everything: the memo keeps the search small.
TEST(LinearizabilityChecker, WideOverlapStaysCheap) {
  history h;
  h.capacity = 2;
  for (int i = 0; i < 10; ++i) {
    h.add(send(static_cast<std::uint8_t>(i), static_cast<std::uint64_t>(i), 100, 10 + i));
  }
  for (int i = 0; i < 10; ++i) {
    h.add(recv(static_cast<std::uint8_t>(10 + i), static_cast<std::uint64_t>(10 + i), 100, 10 + i));
  }
  h.add(close(20, 50, 60));
  const csp_test::verdict v = csp_test::check_linearizable(h);
  EXPECT_TRUE(v.linearizable) << csp_test::describe(h, v);
  EXPECT_LT(v.steps, 100000U);
}

TEST(LinearizabilityChecker, DescribePrintsTheHistoryAndWhyItFails) {
  const history h =
      make(2, {send(0, 0, 1, 100), send(1, 2, 3, 200), try_recv(1, 4, 5, status::empty)});
  const std::string text = csp_test::describe(h, csp_test::check_linearizable(h));
  std::cout << text;
  EXPECT_NE(text.find("NOT LINEARIZABLE"), std::string::npos);
  EXPECT_NE(text.find("t1  [  4,  5]  try_recv()"), std::string::npos);
  EXPECT_NE(text.find("-> empty"), std::string::npos);
  EXPECT_NE(text.find("the model answers ok, 100 here"), std::string::npos);
}

// ---- planted channels through the real-thread runner ----------------------------------------

// Runs `s` on Family up to `runs` times; returns the first violation report.
template <class Family>
std::optional<std::string> violation(const csp_test::scenario& s, std::size_t runs,
                                     const csp_test::run_config& cfg = {}) {
  csp_test::run_stats stats;
  return csp_test::find_violation<Family>(s, runs, stats, cfg);
}

TEST(PlantedChannel, LifoPairIsRejectedWithTheHistoryPrinted) {
  const csp_test::scenario s{2, {{op_kind::send, op_kind::send, op_kind::recv}}};
  const auto report = violation<csp_test::planted::lifo_pair_family>(s, 1);
  ASSERT_TRUE(report.has_value());
  std::cout << "[planted lifo_pair rejected]\n" << *report;
  EXPECT_NE(report->find("recv()         -> 101"), std::string::npos) << *report;
  EXPECT_FALSE(violation<csp_test::mutex_based>(s, 1).has_value());
}

// Concurrency-only: the lie needs a try_recv that starts after one send returned and while the
// next is in progress. The planted send yields inside its window; a few thousand runs (each a
// fraction of a millisecond) find it every time in practice.
// Two sends into a buffer of two never wait, so the only way to catch the lie is that window.
TEST(PlantedChannel, EmptyWhileSendingIsRejectedWithTheHistoryPrinted) {
  const csp_test::scenario s{
      2,
      {{op_kind::send, op_kind::send},
       {op_kind::try_recv, op_kind::try_recv, op_kind::try_recv, op_kind::try_recv}}};
  const auto report = violation<csp_test::planted::empty_while_sending_family>(s, 20000);
  ASSERT_TRUE(report.has_value()) << "20,000 runs never caught the planted empty";
  std::cout << "[planted empty_while_sending rejected]\n" << *report;
  EXPECT_NE(report->find("-> empty"), std::string::npos) << *report;
}

TEST(PlantedChannel, TheRealChannelPassesTheSameScenarios) {
  const csp_test::scenario s{
      2,
      {{op_kind::send, op_kind::send, op_kind::send},
       {op_kind::try_recv, op_kind::try_recv, op_kind::try_recv, op_kind::try_recv}}};
  const auto report = violation<csp_test::mutex_based>(s, csp_test::under_sanitizer ? 50 : 500);
  EXPECT_FALSE(report.has_value()) << *report;
}

// A receive that never returns, even after the watchdog's close: the runner must not hang but
// print the scenario and what it recorded, and abort.
TEST(PlantedChannelDeathTest, AStuckReceiveIsReportedNotHung) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const csp_test::scenario s{0, {{op_kind::recv}, {op_kind::size}}};
  csp_test::run_config cfg;
  cfg.stuck_limit = std::chrono::seconds(1);
  EXPECT_DEATH((void)violation<csp_test::planted::deaf_recv_family>(s, 1, cfg),
               "LIVENESS FAILURE(.|\n)*t0 recv(.|\n)*wd .*close\\(\\) *-> ok");
}

}  // namespace
