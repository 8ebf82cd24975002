// Stress, select: many threads selecting over several channels at once — every channel
// implementation alone and both mixed in one select — with nothing lost, nothing duplicated,
// each sender's messages on a channel received in the order sent, and no deadlock.
//
//   Mesh            senders (half in selects over four channels, half plain sends) and
//                   receivers (selects over the four, and one plain range-for) exchange
//                   messages; the channels are closed once the senders are done.
//   CloseUnderLoad  the same traffic, endless, until a receiver closes every channel in the
//                   middle of it: a send that completed is received exactly once, a send that
//                   threw closed_channel_error is never received.
//   FanInTree       eight producers, two selecting mergers, one final selecting merger, one
//                   consumer: each producer's messages arrive complete and in order.
//   TimeoutsUnderLoad  senders and receivers whose selects carry a csp::after timeout (50 µs
//                   to 1 ms) besides their channels: a timed-out select moves nothing, and no
//                   timeout fires early.
//   PingPong        pairs bouncing a counter over two unbuffered channels, each side in
//                   selects with an idle channel beside the real one.
//
// Channels: four slots of capacities 0, 0, 4, 4, all of one implementation, or (the `mixed`
// family) alternately lock-free and mutex-based: (lf,0) (mb,0) (lf,4) (mb,4). Go's nil channel
// (a select case dropped once its channel is closed) is a private channel nobody else uses.
//
// Each message is (sender id, sequence number) and each receiver logs, per sender and per
// channel, that the sequence numbers it sees increase, and marks them in a per-sender bitmap;
// at the end the bitmaps of all receivers must be disjoint and cover every message sent.
//
// No deadlock: a watchdog follows the workers' progress counters and, if none moves for
// 60 s, prints them and aborts the binary (a failure with a message rather than a hang).
//
// Scale: CSP_STRESS_SCALE multiplies every count (default 1; `make check-long` sets 10). At
// scale 1 a family carries 100,000 + 40 x ~1,000 + 30,000 + 20,000 messages and 16,000 round
// trips (a few seconds in release: a select that blocks costs a futex wake or two, so these
// bases are far below channel_stress_test's); under a sanitizer every count is divided by 4
// (at least 1,000 messages, 5 rounds): blocked hand-offs cost system calls, which TSan does
// not slow down much, so that still takes only seconds. Each test prints its throughput and records
// it as GoogleTest properties; none asserts a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/channel.hpp>
#include <csp/select.hpp>
#include <csp/time.hpp>

#include "channel_impls.hpp"
#include "sanitizer.hpp"

namespace {

using namespace std::chrono_literals;
using csp_test::sanitized;
using clock_type = std::chrono::steady_clock;

double stress_scale() {
  const char* env = std::getenv("CSP_STRESS_SCALE");
  if (env == nullptr || *env == '\0') return 1.0;
  char* rest = nullptr;
  const double s = std::strtod(env, &rest);
  return (rest != env && s > 0) ? s : 1.0;
}

// A count whose value at scale 1 is `base`, divided by `sanitizer_divisor` under a sanitizer,
// and at least `floor`.
std::uint64_t scaled(std::uint64_t base, double sanitizer_divisor, std::uint64_t floor) {
  double n = static_cast<double>(base) * stress_scale();
  if (sanitized) n /= sanitizer_divisor;
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(n), floor);
}
std::uint64_t messages(std::uint64_t base) {
  return scaled(base, 4, 1000);
}
std::uint64_t rounds(std::uint64_t base) {
  return scaled(base, 4, 5);
}

// ------------------------------------------------------------------------------ channels --

struct mixed {
  static constexpr const char* name = "mixed";
};

// The channel type of slot I in a family: one implementation, or alternating for `mixed`.
template <class Mix, std::size_t I, class T>
struct slot_chan {
  using type = typename Mix::template channel<T>;
};
template <std::size_t I, class T>
struct slot_chan<mixed, I, T> {
  using type =
      std::conditional_t<I % 2 == 0, csp::lock_free::channel<T>, csp::mutex_based::channel<T>>;
};
template <class Mix, std::size_t I, class T = std::uint64_t>
using slot_t = typename slot_chan<Mix, I, T>::type;

constexpr std::size_t nslots = 4;
constexpr std::array<std::size_t, nslots> slot_capacity = {0, 0, 4, 4};

template <class Mix, class Seq = std::make_index_sequence<nslots>>
struct slots_of;
template <class Mix, std::size_t... I>
struct slots_of<Mix, std::index_sequence<I...>> {
  using type = std::tuple<slot_t<Mix, I>...>;
  static type make() { return type(slot_t<Mix, I>(slot_capacity[I])...); }
  static type nils() { return type(slot_t<Mix, I>()...); }  // fresh, private, never used
};
template <class Mix>
using slots = typename slots_of<Mix>::type;

template <class Tuple, class F>
void for_each_slot(const Tuple& t, F&& f) {
  std::apply([&](const auto&... ch) { (f(ch), ...); }, t);
}

// f(channel k of t), k chosen at run time.
template <class Tuple, class F>
void with_slot(const Tuple& t, std::size_t k, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((k == I ? f(std::get<I>(t)) : void()), ...);
  }
  (std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

// A receive handler that tells `f` which slot it belongs to.
template <std::size_t I, class F>
struct at_slot {
  F* f;
  template <class V>
  void operator()(std::optional<V> v) const {
    (*f)(I, std::move(v));
  }
};

// One select receiving from every slot of `chs` still open — a slot whose channel was seen
// closed is replaced by its private stand-in in `nils` (Go's nil) — plus `extra` cases. For a
// slot case, on(slot, optional value) runs; nullopt marks the slot closed. Returns the index.
template <class Chs, std::size_t N, class F, class... Extra>
std::size_t select_recv(const Chs& chs, const Chs& nils, std::array<bool, N>& closed, F& on,
                        Extra&&... extra) {
  static_assert(std::tuple_size_v<Chs> == N);
  const auto handler = [&](std::size_t k, auto v) {
    if (v) {
      on(k, *v);
    } else {
      closed[k] = true;
    }
  };
  using H = decltype(handler);
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return csp::select(csp::on_recv(closed[I] ? std::get<I>(nils) : std::get<I>(chs),
                                    at_slot<I, const H>{&handler})...,
                       std::forward<Extra>(extra)...);
  }
  (std::make_index_sequence<N>{});
}

template <std::size_t N>
bool all_closed(const std::array<bool, N>& closed) {
  return std::all_of(closed.begin(), closed.end(), [](bool c) { return c; });
}

// One select offering `v` on every slot of `chs`, plus `extra` cases. Returns the index.
template <class Chs, class... Extra>
std::size_t select_send(const Chs& chs, std::uint64_t v, Extra&&... extra) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return csp::select(csp::on_send(std::get<I>(chs), v)..., std::forward<Extra>(extra)...);
  }
  (std::make_index_sequence<std::tuple_size_v<Chs>>{});
}

// The same, offering `v` only on the slots whose bit is set in `mine`; the others are replaced
// by their private stand-ins in `nils` (Go's nil).
template <class Chs, class... Extra>
std::size_t select_send_some(const Chs& chs, const Chs& nils, unsigned mine, std::uint64_t v,
                             Extra&&... extra) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return csp::select(
        csp::on_send(((mine >> I) & 1U) != 0 ? std::get<I>(chs) : std::get<I>(nils), v)...,
        std::forward<Extra>(extra)...);
  }
  (std::make_index_sequence<std::tuple_size_v<Chs>>{});
}

template <class Chs>
void close_all(const Chs& chs) {
  for_each_slot(chs, [](const auto& ch) { ch.close(); });
}

// ------------------------------------------------------------------------------ messages --

constexpr int seq_bits = 48;
constexpr std::uint64_t seq_mask = (std::uint64_t{1} << seq_bits) - 1;
constexpr std::uint64_t encode(std::size_t sender, std::uint64_t seq) {
  return (static_cast<std::uint64_t>(sender) << seq_bits) | seq;
}

// What one receiver saw: per sender and channel the last sequence number (FIFO), per sender a
// bitmap of the sequence numbers (exactly once).
class receiver_log {
 public:
  receiver_log(std::size_t senders, std::size_t channels, std::uint64_t per_sender)
      : channels_(channels),
        per_sender_(per_sender),
        next_(senders * channels, 0),
        seen_(senders, std::vector<std::uint64_t>((per_sender + 63) / 64, 0)) {}

  void on(std::size_t channel, std::uint64_t msg) {
    const auto s = static_cast<std::size_t>(msg >> seq_bits);
    const std::uint64_t q = msg & seq_mask;
    ++received;
    if (s >= seen_.size() || q >= per_sender_ || channel >= channels_) {
      ++malformed;
      return;
    }
    std::uint64_t& next = next_[s * channels_ + channel];
    if (q < next) ++out_of_order;  // a sender's messages on one channel arrive in order
    next = q + 1;
    std::uint64_t& word = seen_[s][q / 64];
    const std::uint64_t bit = std::uint64_t{1} << (q % 64);
    if ((word & bit) != 0) ++duplicates;
    word |= bit;
  }

  const std::vector<std::uint64_t>& seen(std::size_t sender) const { return seen_[sender]; }

  std::uint64_t received = 0;
  std::uint64_t malformed = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t duplicates = 0;

 private:
  std::size_t channels_;
  std::uint64_t per_sender_;
  std::vector<std::uint64_t> next_;
  std::vector<std::vector<std::uint64_t>> seen_;
};

// Checks the logs of all receivers against what each sender sent: sender s sent its sequence
// numbers 0 .. sent[s]-1, each received exactly once, and nothing else.
void check_exactly_once(const std::vector<receiver_log>& logs,
                        const std::vector<std::uint64_t>& sent, std::uint64_t per_sender_max) {
  std::uint64_t malformed = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t lost = 0;
  std::uint64_t phantom = 0;  // received, but its send threw
  for (const receiver_log& log : logs) {
    malformed += log.malformed;
    out_of_order += log.out_of_order;
    duplicates += log.duplicates;
  }
  for (std::size_t s = 0; s < sent.size(); ++s) {
    std::vector<std::uint64_t> all((per_sender_max + 63) / 64, 0);
    for (const receiver_log& log : logs) {
      const std::vector<std::uint64_t>& mine = log.seen(s);
      for (std::size_t w = 0; w < all.size(); ++w) {
        duplicates += static_cast<std::uint64_t>(std::popcount(all[w] & mine[w]));
        all[w] |= mine[w];
      }
    }
    for (std::uint64_t q = 0; q < per_sender_max; ++q) {
      const bool got = ((all[q / 64] >> (q % 64)) & 1U) != 0;
      if (q < sent[s] && !got) ++lost;
      if (q >= sent[s] && got) ++phantom;
    }
  }
  EXPECT_EQ(malformed, 0U) << "messages that no sender sent";
  EXPECT_EQ(out_of_order, 0U) << "a receiver saw a sender's messages on a channel out of order";
  EXPECT_EQ(duplicates, 0U) << "messages received twice";
  EXPECT_EQ(lost, 0U) << "messages sent and never received";
  EXPECT_EQ(phantom, 0U) << "messages received whose send failed";
}

void report(const char* family, const char* test, std::uint64_t count, const char* unit,
            double secs) {
  const double rate = static_cast<double>(count) / secs;
  std::printf("[ stress   ] %s %s: %llu %s in %.2f s (%.3f M/s)\n", family, test,
              static_cast<unsigned long long>(count), unit, secs, rate / 1e6);
  ::testing::Test::RecordProperty(unit, std::to_string(count));
  ::testing::Test::RecordProperty("seconds", std::to_string(secs));
  ::testing::Test::RecordProperty("per_second", std::to_string(rate));
}

// ------------------------------------------------------------------------------ watchdog --

// Fails the binary, with a message, when no worker has made progress for `stall` (a generous
// bound: a deadlock stops all of them, a slow machine only slows them down). Each worker
// owns one counter and bumps it as it goes.
class watchdog {
 public:
  watchdog(std::string what, std::size_t workers, std::chrono::seconds stall = 60s)
      : what_(std::move(what)), stall_(stall), progress_(workers) {
    thread_ = std::thread([this] { run(); });
  }
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      std::lock_guard lk(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // relaxed: a statistic; only worker w writes its counter.
  void tick(std::size_t w) noexcept {
    progress_[w].n.store(progress_[w].n.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  }

 private:
  struct alignas(64) counter {
    std::atomic<std::uint64_t> n{0};
  };

  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (const counter& c : progress_) t += c.n.load(std::memory_order_relaxed);
    return t;
  }

  void run() {
    std::unique_lock lk(m_);
    std::uint64_t last = total();
    auto last_change = clock_type::now();
    while (!cv_.wait_for(lk, 100ms, [this] { return done_; })) {
      const std::uint64_t now_total = total();
      if (now_total != last) {
        last = now_total;
        last_change = clock_type::now();
      } else if (clock_type::now() - last_change > stall_) {
        std::fprintf(stderr, "\n[ watchdog ] %s: no progress for %lld s (deadlock?); counters:",
                     what_.c_str(), static_cast<long long>(stall_.count()));
        for (const counter& c : progress_) {
          std::fprintf(stderr, " %llu",
                       static_cast<unsigned long long>(c.n.load(std::memory_order_relaxed)));
        }
        std::fprintf(stderr, "\n");
        std::fflush(stderr);
        std::abort();
      }
    }
  }

  std::string what_;
  std::chrono::seconds stall_;
  std::vector<counter> progress_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

std::string label(const char* family, const char* test) {
  return std::string(family) + " " + test;
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// ---------------------------------------------------------------------------------- tests --

template <class Mix>
class SelectStress : public ::testing::Test {};
using families = ::testing::Types<csp_test::lock_free, csp_test::mutex_based, mixed>;
TYPED_TEST_SUITE(SelectStress, families);

// Senders: even ones offer each message on all four channels in one select, odd ones send it
// plainly on channel seq % 4. Receivers: three select over the four channels (dropping a
// channel once it is closed), one ranges over channel 0. The channels close once every sender
// is done.
TYPED_TEST(SelectStress, Mesh) {
  constexpr std::size_t senders = 4;
  constexpr std::size_t select_receivers = 3;
  const std::uint64_t per_sender = messages(100'000) / senders;
  const slots<TypeParam> chs = slots_of<TypeParam>::make();
  std::vector<receiver_log> logs(select_receivers + 1, receiver_log(senders, nslots, per_sender));
  watchdog wd(label(TypeParam::name, "Mesh"), senders + select_receivers + 1);

  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < select_receivers; ++r) {
    threads.emplace_back([&, r] {
      const slots<TypeParam> nils = slots_of<TypeParam>::nils();
      std::array<bool, nslots> closed{};
      auto on = [&](std::size_t k, std::uint64_t v) { logs[r].on(k, v); };
      while (!all_closed(closed)) {
        (void)select_recv(chs, nils, closed, on);
        wd.tick(senders + r);
      }
    });
  }
  threads.emplace_back([&] {
    for (std::uint64_t v : std::get<0>(chs)) {
      logs[select_receivers].on(0, v);
      wd.tick(senders + select_receivers);
    }
  });
  const auto t0 = clock_type::now();
  std::vector<std::thread> sender_threads;
  for (std::size_t s = 0; s < senders; ++s) {
    sender_threads.emplace_back([&, s] {
      for (std::uint64_t q = 0; q < per_sender; ++q) {
        const std::uint64_t v = encode(s, q);
        if (s % 2 == 0) {
          (void)select_send(chs, v);
        } else {
          with_slot(chs, q % nslots, [&](const auto& ch) { ch.send(v); });
        }
        wd.tick(s);
      }
    });
  }
  for (auto& t : sender_threads) t.join();
  close_all(chs);
  for (auto& t : threads) t.join();
  const double secs = seconds_since(t0);

  check_exactly_once(logs, std::vector<std::uint64_t>(senders, per_sender), per_sender);
  report(TypeParam::name, "Mesh", per_sender * senders, "messages", secs);
}

// Rounds of endless traffic (senders as in Mesh, three select receivers) that one receiver
// cuts off in the middle: the receiver whose message brings the total to the round's quota
// closes the four channels. A sender stops at its first closed_channel_error; what it sent
// before is received exactly once, the message that threw never.
TYPED_TEST(SelectStress, CloseUnderLoad) {
  constexpr std::size_t senders = 4;
  constexpr std::size_t receivers = 3;
  const std::uint64_t nrounds = rounds(40);
  const std::uint64_t quota = 1000;
  std::uint64_t total = 0;
  watchdog wd(label(TypeParam::name, "CloseUnderLoad"), senders + receivers);
  const auto t0 = clock_type::now();
  for (std::uint64_t round = 0; round < nrounds; ++round) {
    const slots<TypeParam> chs = slots_of<TypeParam>::make();
    // A sender stops at `quota` messages if close has not stopped it yet (the closing receiver
    // may be preempted while the traffic goes on): the senders together can always fill it.
    std::vector<receiver_log> logs(receivers, receiver_log(senders, nslots, quota));
    std::vector<std::uint64_t> sent(senders, 0);
    std::atomic<std::uint64_t> received{0};
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < receivers; ++r) {
      threads.emplace_back([&, r] {
        const slots<TypeParam> nils = slots_of<TypeParam>::nils();
        std::array<bool, nslots> closed{};
        auto on = [&](std::size_t k, std::uint64_t v) {
          logs[r].on(k, v);
          // relaxed: only counts; close() itself orders what follows.
          if (received.fetch_add(1, std::memory_order_relaxed) + 1 == quota) close_all(chs);
        };
        while (!all_closed(closed)) {
          (void)select_recv(chs, nils, closed, on);
          wd.tick(senders + r);
        }
      });
    }
    for (std::size_t s = 0; s < senders; ++s) {
      threads.emplace_back([&, s] {
        std::uint64_t q = 0;
        try {
          for (; q < quota; ++q) {
            const std::uint64_t v = encode(s, q);
            if (s % 2 == 0) {
              (void)select_send(chs, v);
            } else {
              with_slot(chs, (q + round) % nslots, [&](const auto& ch) { ch.send(v); });
            }
            wd.tick(s);
          }
        } catch (const csp::closed_channel_error&) {
        }
        sent[s] = q;
      });
    }
    for (auto& t : threads) t.join();
    check_exactly_once(logs, sent, quota);
    for (const receiver_log& log : logs) total += log.received;
    if (::testing::Test::HasFailure()) break;
  }
  report(TypeParam::name, "CloseUnderLoad", total, "messages", seconds_since(t0));
}

// Reads every slot of `ins` until all are closed, forwarding each message to `out` through a
// select (beside an idle case), then closes `out`.
template <class Ins, class Out>
void merge(const Ins& ins, const Ins& nils, const Out& out, watchdog& wd, std::size_t me) {
  constexpr std::size_t n = std::tuple_size_v<Ins>;
  std::array<bool, n> closed{};
  const Out idle;
  std::optional<std::uint64_t> got;
  auto on = [&](std::size_t, std::uint64_t v) { got = v; };
  while (!all_closed(closed)) {
    got.reset();
    (void)select_recv(ins, nils, closed, on);
    if (got) (void)csp::select(csp::on_send(out, *got), csp::on_recv(idle));
    wd.tick(me);
  }
  out.close();
}

// Fan-in with selects, two levels: producers 0-3 and 4-7 feed the four slots of two groups;
// a merger per group selects over its four and forwards onto its own channel; a final merger
// selects over those two; the consumer reads the result. Every producer's path is unique, so
// its messages arrive complete and in exactly the order sent.
TYPED_TEST(SelectStress, FanInTree) {
  constexpr std::size_t producers = 2 * nslots;
  const std::uint64_t per_producer = messages(30'000) / producers;
  using mids = std::tuple<slot_t<TypeParam, 0>, slot_t<TypeParam, 1>>;
  const std::array<slots<TypeParam>, 2> leaves = {slots_of<TypeParam>::make(),
                                                  slots_of<TypeParam>::make()};
  const mids mid{slot_t<TypeParam, 0>(slot_capacity[0]), slot_t<TypeParam, 1>(slot_capacity[1])};
  const slot_t<TypeParam, 2> out(slot_capacity[2]);
  watchdog wd(label(TypeParam::name, "FanInTree"), producers + 4);

  std::vector<std::thread> threads;
  const auto t0 = clock_type::now();
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      const slots<TypeParam>& group = leaves[p / nslots];
      with_slot(group, p % nslots, [&](const auto& ch) {
        for (std::uint64_t q = 0; q < per_producer; ++q) {
          ch.send(encode(p, q));
          wd.tick(p);
        }
        ch.close();
      });
    });
  }
  for (std::size_t g = 0; g < 2; ++g) {
    threads.emplace_back([&, g] {
      with_slot(mid, g, [&](const auto& m) {
        merge(leaves[g], slots_of<TypeParam>::nils(), m, wd, producers + g);
      });
    });
  }
  threads.emplace_back([&] { merge(mid, mids(), out, wd, producers + 2); });

  std::vector<std::uint64_t> next(producers, 0);
  std::uint64_t malformed = 0;
  std::uint64_t out_of_order = 0;
  for (std::uint64_t v : out) {
    const auto p = static_cast<std::size_t>(v >> seq_bits);
    if (p >= producers) {
      ++malformed;
    } else if ((v & seq_mask) != next[p]++) {
      ++out_of_order;
    }
    wd.tick(producers + 3);
  }
  for (auto& t : threads) t.join();
  const double secs = seconds_since(t0);
  EXPECT_EQ(malformed, 0U);
  EXPECT_EQ(out_of_order, 0U) << "a producer's messages arrived out of order, lost or twice";
  for (std::size_t p = 0; p < producers; ++p) {
    EXPECT_EQ(next[p], per_producer) << "producer " << p;
  }
  report(TypeParam::name, "FanInTree", per_producer * producers, "messages", secs);
}

// A random timeout between 50 µs and 1 ms.
clock_type::duration random_timeout(std::minstd_rand& rng) {
  return std::chrono::microseconds(std::uniform_int_distribution<int>(50, 1000)(rng));
}

// Senders offer each message on two of the four channels (sender s on slots s % 4 and
// (s + 1) % 4) with a csp::after timeout beside them, retrying the same message after a
// timeout; receivers select over the four with a timeout too, and now and then dawdle so that
// senders time out. Checks: exactly once and in order as always — a select that timed out
// moved nothing — and every timeout taken came no earlier than its duration.
TYPED_TEST(SelectStress, TimeoutsUnderLoad) {
  constexpr std::size_t senders = 4;
  constexpr std::size_t receivers = 3;
  const std::uint64_t per_sender = messages(20'000) / senders;
  const slots<TypeParam> chs = slots_of<TypeParam>::make();
  std::vector<receiver_log> logs(receivers, receiver_log(senders, nslots, per_sender));
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> early{0};
  watchdog wd(label(TypeParam::name, "TimeoutsUnderLoad"), senders + receivers);

  // One select with a timeout; true if the timeout case was taken.
  const auto timed = [&](std::minstd_rand& rng, auto&& select_with) {
    const clock_type::duration d = random_timeout(rng);
    const auto start = clock_type::now();
    const auto timer = csp::after(d);
    bool timed_out = false;
    select_with(csp::on_recv(timer, [&](auto) { timed_out = true; }));
    if (timed_out) {
      timeouts.fetch_add(1, std::memory_order_relaxed);
      if (clock_type::now() - start < d) early.fetch_add(1, std::memory_order_relaxed);
    }
    return timed_out;
  };

  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < receivers; ++r) {
    threads.emplace_back([&, r] {
      std::minstd_rand rng(static_cast<std::uint32_t>(r + 1));
      const slots<TypeParam> nils = slots_of<TypeParam>::nils();
      std::array<bool, nslots> closed{};
      auto on = [&](std::size_t k, std::uint64_t v) { logs[r].on(k, v); };
      while (!all_closed(closed)) {
        (void)timed(rng, [&](auto&& timeout) {
          (void)select_recv(chs, nils, closed, on, std::move(timeout));
        });
        if (rng() % 256 == 0) {
          for (int i = 0; i < 200; ++i) std::this_thread::yield();  // dawdle
        }
        wd.tick(senders + r);
      }
    });
  }
  const auto t0 = clock_type::now();
  std::vector<std::thread> sender_threads;
  for (std::size_t s = 0; s < senders; ++s) {
    sender_threads.emplace_back([&, s] {
      std::minstd_rand rng(static_cast<std::uint32_t>(100 + s));
      const slots<TypeParam> nils = slots_of<TypeParam>::nils();
      const unsigned mine = (1U << (s % nslots)) | (1U << ((s + 1) % nslots));
      for (std::uint64_t q = 0; q < per_sender; ++q) {
        const std::uint64_t v = encode(s, q);
        while (timed(rng, [&](auto&& timeout) {
          (void)select_send_some(chs, nils, mine, v, std::move(timeout));
        })) {
          wd.tick(s);
        }
        wd.tick(s);
      }
    });
  }
  for (auto& t : sender_threads) t.join();
  close_all(chs);
  for (auto& t : threads) t.join();
  const double secs = seconds_since(t0);

  check_exactly_once(logs, std::vector<std::uint64_t>(senders, per_sender), per_sender);
  EXPECT_EQ(early.load(), 0U) << "timeouts that fired before their duration";
  std::printf("[ stress   ] %s TimeoutsUnderLoad: %llu timeouts taken\n", TypeParam::name,
              static_cast<unsigned long long>(timeouts.load()));
  ::testing::Test::RecordProperty("timeouts", std::to_string(timeouts.load()));
  report(TypeParam::name, "TimeoutsUnderLoad", per_sender * senders, "messages", secs);
}

// Pairs bounce a counter: A sends i on `ping` and waits for i + 1 on `pong`; B receives on
// `ping` and answers on `pong`. Both channels unbuffered (in the mixed family ping is
// lock-free and pong mutex-based); every operation is a select with an idle case beside the
// real one, so each hand-off meets a select on both sides.
TYPED_TEST(SelectStress, PingPong) {
  constexpr std::size_t pairs = 2;
  const std::uint64_t n = messages(16'000) / pairs;
  watchdog wd(label(TypeParam::name, "PingPong"), 2 * pairs);
  std::array<std::uint64_t, pairs> wrong{};
  std::vector<std::thread> threads;
  const auto t0 = clock_type::now();
  for (std::size_t p = 0; p < pairs; ++p) {
    const slot_t<TypeParam, 0> ping;
    const slot_t<TypeParam, 1> pong;
    threads.emplace_back([&wd, &wrong, p, n, ping, pong] {
      const slot_t<TypeParam, 1> idle_in;
      const slot_t<TypeParam, 0> idle_out;
      for (std::uint64_t i = 0; i < n; ++i) {
        (void)csp::select(csp::on_recv(idle_in), csp::on_send(ping, i));
        std::uint64_t back = 0;
        (void)csp::select(
            csp::on_recv(pong, [&](std::optional<std::uint64_t> v) { back = v.value_or(0); }),
            csp::on_send(idle_out, i));
        if (back != i + 1) ++wrong[p];
        wd.tick(2 * p);
      }
      ping.close();
    });
    threads.emplace_back([&wd, p, ping, pong] {
      const slot_t<TypeParam, 0> idle_in;
      const slot_t<TypeParam, 1> idle_out;
      for (;;) {
        std::optional<std::uint64_t> got;
        (void)csp::select(csp::on_send(idle_out, std::uint64_t{0}),
                          csp::on_recv(ping, [&](std::optional<std::uint64_t> v) { got = v; }),
                          csp::on_recv(idle_in));
        if (!got) return;  // ping closed: done
        (void)csp::select(csp::on_send(pong, *got + 1), csp::on_recv(idle_in));
        wd.tick(2 * p + 1);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = seconds_since(t0);
  for (std::size_t p = 0; p < pairs; ++p) EXPECT_EQ(wrong[p], 0U) << "pair " << p;
  report(TypeParam::name, "PingPong", n * pairs, "round_trips", secs);
}

}  // namespace
