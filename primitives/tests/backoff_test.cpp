// The adaptive spin of a blocked operation (detail/backoff.hpp): how long a wait spins, as its
// site's gauge has seen earlier waits end. Deterministic: the test backend never draws a
// probe, except where a test asks it to.
#include "csp/detail/backoff.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "csp/sync/std_backend.hpp"

namespace {

// The standard backend, with select's random draw replaced: `next_draw` is what it returns.
struct probe_backend : csp::sync::std_backend {
  static inline std::uint32_t next_draw = 1;  // not 0: no probe
  static std::uint32_t random(std::uint32_t) noexcept { return next_draw; }
};
using gauge = csp::detail::spin_gauge<probe_backend>;
using backoff = csp::detail::backoff<probe_backend>;

constexpr unsigned pauses = probe_backend::spin_limit;
constexpr unsigned burst = pauses / 4;

// A wait that nothing ends: the number of rounds it spins before it would park.
unsigned rounds_until_spent(gauge& g) {
  backoff b;
  unsigned n = 0;
  while (b.snooze(&g)) ++n;
  return n;
}

// A wait that ends after `n` rounds, reported as the caller reports it.
void wait_ended_after(gauge& g, unsigned n) {
  backoff b;
  for (unsigned i = 0; i < n; ++i) ASSERT_TRUE(b.snooze(&g));
  b.paid_off(&g);
}

class BackoffTest : public ::testing::Test {
 protected:
  void SetUp() override { probe_backend::next_draw = 1; }
  void TearDown() override { probe_backend::next_draw = 1; }
};

TEST_F(BackoffTest, ATrustedWaitPausesThenYieldsBeforeItParks) {
  gauge g;
  // All the pauses, then at least one yield (the window is 50 us of wall time).
  EXPECT_GT(rounds_until_spent(g), pauses);
}

TEST_F(BackoffTest, WaitsThatRunOutUseUpTheCreditThenSpinOnlyABurst) {
  gauge g;
  for (std::uint32_t i = 0; i < gauge::full; ++i) {
    EXPECT_TRUE(g.trusted()) << "after " << i << " spent waits";
    EXPECT_GT(rounds_until_spent(g), pauses);
  }
  EXPECT_FALSE(g.trusted());
  EXPECT_EQ(rounds_until_spent(g), burst);
  EXPECT_EQ(rounds_until_spent(g), burst);
}

TEST_F(BackoffTest, AWaitThatEndsWhileSpinningRestoresTheCredit) {
  gauge g;
  for (std::uint32_t i = 0; i < gauge::full - 1; ++i) (void)rounds_until_spent(g);
  wait_ended_after(g, burst + 1);  // past the burst: the gauge hears of it
  for (std::uint32_t i = 0; i < gauge::full - 1; ++i) (void)rounds_until_spent(g);
  EXPECT_TRUE(g.trusted()) << "the credit was full again after the wait that paid off";
}

TEST_F(BackoffTest, WaitsShorterThanTheBurstLeaveTheGaugeAlone) {
  gauge g;
  for (std::uint32_t i = 0; i < gauge::full; ++i) (void)rounds_until_spent(g);
  ASSERT_FALSE(g.trusted());
  wait_ended_after(g, burst);  // within the burst: it ends the same whatever the gauge says
  EXPECT_FALSE(g.trusted());
  EXPECT_EQ(rounds_until_spent(g), burst);
}

TEST_F(BackoffTest, AProbeSpendsTheWholeWindowAndCanRestoreTrust) {
  gauge g;
  for (std::uint32_t i = 0; i < gauge::full; ++i) (void)rounds_until_spent(g);
  ASSERT_FALSE(g.trusted());
  probe_backend::next_draw = 0;  // this wait is a probe
  backoff b;
  unsigned n = 0;
  while (n <= pauses && b.snooze(&g)) ++n;  // past the burst, into the yields
  EXPECT_GT(n, pauses);
  probe_backend::next_draw = 1;
  b.paid_off(&g);  // the probe's wait ended while it spun
  EXPECT_TRUE(g.trusted());
  EXPECT_GT(rounds_until_spent(g), pauses);
}

TEST_F(BackoffTest, AWaitWithoutAGaugeAlwaysSpendsTheWindow) {
  backoff b;
  unsigned n = 0;
  while (b.snooze()) ++n;
  EXPECT_GT(n, pauses);
}

TEST_F(BackoffTest, ResetStartsANewWaitThatTheGaugeHearsOfAgain) {
  gauge g;
  backoff b;
  for (std::uint32_t i = 0; i < gauge::full - 1; ++i) (void)rounds_until_spent(g);
  while (b.snooze(&g)) {
  }
  ASSERT_FALSE(g.trusted()) << "the last unit of credit went with that wait";
  b.reset();
  for (unsigned i = 0; i < burst; ++i) ASSERT_TRUE(b.snooze(&g));
  EXPECT_FALSE(b.snooze(&g)) << "not trusted: the new wait spins only the burst";
}

}  // namespace
