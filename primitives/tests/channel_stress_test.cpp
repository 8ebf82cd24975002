// Stress: millions of messages through every channel implementation — spsc (1:1), mpsc (4:1)
// and mpmc (4:4) at capacities 0, 1 and 1024 — with nothing lost, nothing duplicated, and each
// sender's messages received in the order sent (by every receiver that sees them).
//
// Each message is (sender id, sequence number). A receiver checks that every sender's sequence
// numbers it sees increase, and marks each in its own bitmap; at the end the bitmaps of all
// receivers must be disjoint (no duplicate) and together cover every message sent (no loss).
// Senders and receivers start together at a latch; when every sender has finished the channel
// is closed and the receivers drain it (range-for ends at close).
//
// Scale: CSP_STRESS_SCALE multiplies every count (default 1, `make check-long` sets 10 for the
// soak). At scale 1 an implementation carries 18 million messages (the soak 180 million);
// under a sanitizer the counts are divided by 100. The bulk goes through capacity 1024: at
// capacities 0 and 1 nearly every message is a blocking hand-off, which costs a futex wake (5-40 µs
// on a small VM). Each test prints its throughput and records it as GoogleTest properties; none
// asserts a time.
//
// Bounded memory: while the messages flow (after the threads exist, until they are joined) a
// channel allocates nothing per message — its memory is O(capacity) from construction plus the
// waiters, which live on their threads' stacks. The one exception is the lock-free ring's
// overflow pool (ring.hpp), sized by the values in flight, not by the traffic: its first
// 16-slot chunk covers these tests' at most 4 senders. Installing it is lock-free: every
// sender that finds the chunk missing allocates one and races to install it, and the losers
// free theirs, so a run allocates at most one chunk per sender (a clang CI run saw three
// senders race). A replaced global operator new counts the allocations (heap_accounting.hpp;
// not under a sanitizer, which has its own allocator).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <csp/channel.hpp>

#include "channel_impls.hpp"
#include "heap_accounting.hpp"
#include "sanitizer.hpp"

namespace {

using csp_test::sanitized;

double stress_scale() {
  const char* env = std::getenv("CSP_STRESS_SCALE");
  if (env == nullptr || *env == '\0') return 1.0;
  char* rest = nullptr;
  const double s = std::strtod(env, &rest);
  return (rest != env && s > 0) ? s : 1.0;
}

// The number of messages for a configuration whose count at scale 1 is `base`.
std::uint64_t scaled(std::uint64_t base) {
  double n = static_cast<double>(base) * stress_scale();
  if (sanitized) n /= 100;
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(n), 1000);
}

// A message: the sender's id in the top 16 bits, its sequence number in the low 48.
constexpr int seq_bits = 48;
constexpr std::uint64_t seq_mask = (std::uint64_t{1} << seq_bits) - 1;
constexpr std::uint64_t encode(std::size_t sender, std::uint64_t seq) {
  return (static_cast<std::uint64_t>(sender) << seq_bits) | seq;
}

// What one receiver saw.
class receiver_log {
 public:
  receiver_log(std::size_t senders, std::uint64_t per_sender)
      : per_sender_(per_sender),
        next_(senders, 0),
        seen_(senders, std::vector<std::uint64_t>((per_sender + 63) / 64, 0)) {}

  void on(std::uint64_t msg) {
    const std::size_t s = static_cast<std::size_t>(msg >> seq_bits);
    const std::uint64_t q = msg & seq_mask;
    if (s >= next_.size() || q >= per_sender_) {
      ++malformed;
      return;
    }
    if (q < next_[s]) ++out_of_order;  // this sender's messages must arrive in increasing order
    next_[s] = q + 1;
    std::uint64_t& word = seen_[s][q / 64];
    const std::uint64_t bit = std::uint64_t{1} << (q % 64);
    if ((word & bit) != 0) ++duplicates;
    word |= bit;
  }

  const std::vector<std::uint64_t>& seen(std::size_t sender) const { return seen_[sender]; }

  std::uint64_t malformed = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t duplicates = 0;  // received twice by this receiver

 private:
  std::uint64_t per_sender_;
  std::vector<std::uint64_t> next_;
  std::vector<std::vector<std::uint64_t>> seen_;
};

struct pattern {
  const char* name;
  std::size_t senders;
  std::size_t receivers;
};
constexpr pattern spsc{"spsc", 1, 1};
constexpr pattern mpsc{"mpsc", 4, 1};
constexpr pattern mpmc{"mpmc", 4, 4};

// Sends `base` (scaled) messages through a channel of `capacity` and checks what arrived.
template <class Family>
void stress(const pattern& p, std::size_t capacity, std::uint64_t base) {
  using channel = typename Family::template channel<std::uint64_t>;
  const std::uint64_t per_sender = scaled(base) / p.senders;
  const std::uint64_t total = per_sender * p.senders;
  const channel ch(capacity);
  std::vector<receiver_log> logs(p.receivers, receiver_log(p.senders, per_sender));
  std::latch start(1);

  std::vector<std::thread> senders;
  std::vector<std::thread> receivers;
  for (std::size_t r = 0; r < p.receivers; ++r) {
    receivers.emplace_back([&, r] {
      start.wait();
      for (std::uint64_t msg : ch) logs[r].on(msg);
    });
  }
  for (std::size_t s = 0; s < p.senders; ++s) {
    senders.emplace_back([&, s] {
      start.wait();
      for (std::uint64_t q = 0; q < per_sender; ++q) ch.send(encode(s, q));
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t allocations_before = csp_test::heap::allocations.load();
  start.count_down();
  for (auto& t : senders) t.join();
  ch.close();  // every sender has finished: the receivers drain the rest and stop
  for (auto& t : receivers) t.join();
  const std::uint64_t allocated = csp_test::heap::allocations.load() - allocations_before;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::uint64_t malformed = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t lost = 0;
  for (const receiver_log& log : logs) {
    malformed += log.malformed;
    out_of_order += log.out_of_order;
    duplicates += log.duplicates;
  }
  for (std::size_t s = 0; s < p.senders; ++s) {
    std::vector<std::uint64_t> all((per_sender + 63) / 64, 0);
    for (const receiver_log& log : logs) {
      const std::vector<std::uint64_t>& mine = log.seen(s);
      for (std::size_t w = 0; w < all.size(); ++w) {
        duplicates += static_cast<std::uint64_t>(std::popcount(all[w] & mine[w]));
        all[w] |= mine[w];
      }
    }
    std::uint64_t got = 0;
    for (std::uint64_t w : all) got += static_cast<std::uint64_t>(std::popcount(w));
    lost += per_sender - got;
  }
  EXPECT_EQ(malformed, 0U) << "messages that no sender sent";
  EXPECT_EQ(out_of_order, 0U) << "a receiver saw a sender's messages out of order";
  EXPECT_EQ(duplicates, 0U) << "messages received twice";
  EXPECT_EQ(lost, 0U) << "messages sent and never received";
  if (csp_test::heap::counted) {
    EXPECT_LE(allocated, p.senders)
        << "the channel allocated while carrying " << total << " messages";
  }

  const double rate = static_cast<double>(total) / secs;
  std::printf("[ stress   ] %s %s cap=%zu: %llu messages in %.2f s (%.2f M msg/s)\n", Family::name,
              p.name, capacity, static_cast<unsigned long long>(total), secs, rate / 1e6);
  ::testing::Test::RecordProperty("messages", std::to_string(total));
  ::testing::Test::RecordProperty("seconds", std::to_string(secs));
  ::testing::Test::RecordProperty("messages_per_second", std::to_string(rate));
}

template <class Family>
class ChannelStress : public ::testing::Test {};
TYPED_TEST_SUITE(ChannelStress, csp_test::channel_impls<::testing::Types>);

// Messages per configuration at scale 1: 3 patterns x (5,000,000 + 500,000 + 500,000) =
// 18,000,000.
constexpr std::uint64_t bulk = 5'000'000;    // capacity 1024
constexpr std::uint64_t one_slot = 500'000;  // capacity 1
constexpr std::uint64_t handoff = 500'000;   // capacity 0

TYPED_TEST(ChannelStress, SpscCap0) {
  stress<TypeParam>(spsc, 0, handoff);
}
TYPED_TEST(ChannelStress, SpscCap1) {
  stress<TypeParam>(spsc, 1, one_slot);
}
TYPED_TEST(ChannelStress, SpscCap1024) {
  stress<TypeParam>(spsc, 1024, bulk);
}
TYPED_TEST(ChannelStress, MpscCap0) {
  stress<TypeParam>(mpsc, 0, handoff);
}
TYPED_TEST(ChannelStress, MpscCap1) {
  stress<TypeParam>(mpsc, 1, one_slot);
}
TYPED_TEST(ChannelStress, MpscCap1024) {
  stress<TypeParam>(mpsc, 1024, bulk);
}
TYPED_TEST(ChannelStress, MpmcCap0) {
  stress<TypeParam>(mpmc, 0, handoff);
}
TYPED_TEST(ChannelStress, MpmcCap1) {
  stress<TypeParam>(mpmc, 1, one_slot);
}
TYPED_TEST(ChannelStress, MpmcCap1024) {
  stress<TypeParam>(mpmc, 1024, bulk);
}

}  // namespace
