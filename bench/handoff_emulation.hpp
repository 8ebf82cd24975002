// bench/handoff_emulation.hpp — what the lock-free channel's hand-off costs with nothing else
// around it: ping-pong over two emulated channels that carry out only the cell protocol's steps
// (lock_free/rendezvous.hpp), or the capacity-1 ring's (lock_free/ring.hpp), for
// channel_bench's `handoff/...` rows, beside its spin floor.
//
// Not a channel. Each emulated channel has one sender and one receiver; there is no close, no
// timeout, no select, no try operation and no sleeping. A sender that arrives before its
// receiver has linked spins until it has, instead of linking itself: in ping-pong the receiver
// is nearly always there first. The rows tell how far the protocol alone is from the floor, and
// how far the operations the channel needs for its guarantees take it
// (docs/channel_measurements.md, "Measured (2026-12-02)"):
//
//   handoff/record                  the receiver draws a position, links `empty -> rx` and
//                                   spins on a flag in its own record; the sender draws, claims
//                                   the cell `rx -> busy`, writes the value and the flag into
//                                   the record (whose address it knows in advance) and frees
//                                   the cell
//   handoff/record_with_operations  the same, with the channel's other atomic operations: the
//                                   receiver's failing first guess, its record's address
//                                   written into the cell and read back by the claimer, the
//                                   link's announcement (L3), the reads of the closed flag and
//                                   the watch list; the flag published by compare-exchange (the
//                                   parker's), the cell freed by a seq_cst store, and the event
//                                   count's read
//   handoff/landing_taken           the value lands in the cell (`rx -> busy -> landed`); the
//                                   receiver spins on the cell and takes the value with a
//                                   compare-exchange that frees the cell
//   handoff/landing_taken_with_operations
//                                   the same, with the operations a channel built this way
//                                   would need: the receiver's failing first guess, its
//                                   record's address in the cell (for a claimer that finds it
//                                   asleep), the announcement, the reads of the closed flag and
//                                   the watch list; its take a seq_cst free, then the event
//                                   count's and the watch list's reads
//   handoff/landing_read            the same as landing_taken, but the receiver only reads:
//                                   the cell stays `landed` until the receiver links there a
//                                   lap later
//   handoff/ring_cap1               the buffered channel's hand-off at capacity 1
//                                   (lock_free/ring.hpp) on its one position's line: the sender
//                                   claims the lap's storage slot (compare-exchange), writes
//                                   the value and publishes it with a compare-exchange on the
//                                   word; the receiver polls the word, claims it with a
//                                   compare-exchange that empties it for the next lap, reads
//                                   the value and lets the slot go
//   handoff/ring_cap1_with_operations
//                                   the same, with the ring's other operations: each side's
//                                   hint stored, and the reads of the two waiter queues and
//                                   the two watch lists that a send and a receive make
//
// Time = one round trip (two hand-offs), as floor/spin_round_trip.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "csp/sync/std_backend.hpp"

namespace handoff {

enum class protocol {
  record,
  record_with_operations,
  landing_taken,
  landing_taken_with_operations,
  landing_read
};

inline constexpr std::uint64_t cells = 32;  // as std_backend::rendezvous_cells
enum : std::uint64_t { empty = 0, rx = 1, busy = 2, landed = 3, tx = 4 };
constexpr std::uint64_t word_of(std::uint64_t position, std::uint64_t st) noexcept {
  return position << 8 | st;
}

// A waiting receiver's record, on one line, as the channel's landing record.
struct alignas(64) record {
  std::atomic<std::uint32_t> flag{0};
  std::atomic<std::uint64_t> value{0};
};

template <protocol P>
class channel {
 public:
  using receive_state = record;  // what each side of round_trip() keeps for its receive

  // `receiver`: the record of this channel's only receiver (the bare protocol's claimer knows
  // it in advance).
  explicit channel(record& receiver) noexcept : receiver_(receiver) {
    for (std::uint64_t i = 0; i < cells; ++i) {
      // relaxed: construction happens-before the threads that use the channel start.
      ring_[i].word.store(word_of(i, empty), std::memory_order_relaxed);
    }
  }

  void send(std::uint64_t v) noexcept {
    // seq_cst: as the channel's draw.
    const std::uint64_t p = s_.n.fetch_add(1, std::memory_order_seq_cst);
    cell& c = ring_[p % cells];
    std::uint64_t w = word_of(p, rx);
    // acquire: pairs with the receiver's link (its release half), which published the record
    // (and its address in the cell). relaxed on failure: the receiver is not there yet; spin.
    while (!c.word.compare_exchange_weak(w, word_of(p, busy), std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
      w = word_of(p, rx);
      csp::sync::std_backend::pause();
    }
    if constexpr (P == protocol::landing_taken || P == protocol::landing_taken_with_operations ||
                  P == protocol::landing_read) {
      c.value.store(v, std::memory_order_relaxed);  // relaxed: published by the release below
      // release: pairs with the receiver's acquire spin; publishes the value.
      c.word.store(word_of(p, landed), std::memory_order_release);
    } else if constexpr (P == protocol::record) {
      receiver_.value.store(v, std::memory_order_relaxed);  // relaxed: published by the flag
      // release: pairs with the receiver's acquire spin on the flag; publishes the value.
      receiver_.flag.store(1, std::memory_order_release);
      // release: the next lap's link reads it (acquire); our use of the cell comes first.
      c.word.store(word_of(p + cells, empty), std::memory_order_release);
    } else {
      // relaxed: the claim's acquire above read the link, which published the address.
      record* r = c.who.load(std::memory_order_relaxed);
      __builtin_prefetch(r, 1);                      // as the channel's claimer
      r->value.store(v, std::memory_order_relaxed);  // relaxed: published by the flag
      std::uint32_t idle = 0;
      // release: as the parker's unpark (P1), pairs with the receiver's acquire spin.
      // relaxed on failure: cannot fail here (the receiver never sleeps).
      r->flag.compare_exchange_strong(idle, 1, std::memory_order_release,
                                      std::memory_order_relaxed);
      // seq_cst: as the channel's free (the event count's half of a Dekker), then the reads of
      // its waiters and of the watch list.
      c.word.store(word_of(p + cells, empty), std::memory_order_seq_cst);
      benchmark::DoNotOptimize(waiters_.n.load(std::memory_order_seq_cst));   // as its N2
      benchmark::DoNotOptimize(watchers_.n.load(std::memory_order_seq_cst));  // as its W2
    }
  }

  std::uint64_t recv(record& mine) noexcept {
    // relaxed: nobody reaches our record until our link publishes it.
    mine.flag.store(0, std::memory_order_relaxed);
    // seq_cst: as the channel's draw.
    const std::uint64_t p = r_.n.fetch_add(1, std::memory_order_seq_cst);
    cell& c = ring_[p % cells];
    constexpr bool operations =
        P == protocol::record_with_operations || P == protocol::landing_taken_with_operations;
    if constexpr (operations) {
      std::uint64_t guess = word_of(p, tx);
      // acquire, as the channel's guess that a sender waits (none ever does here: it fails).
      benchmark::DoNotOptimize(c.word.compare_exchange_strong(
          guess, word_of(p, busy), std::memory_order_acquire, std::memory_order_acquire));
      c.who.store(&mine, std::memory_order_relaxed);  // relaxed: published by the link
    }
    // The cell's free state for our lap: a landed cell stays landed until we link again.
    const std::uint64_t free =
        P == protocol::landing_read && p >= cells ? word_of(p - cells, landed) : word_of(p, empty);
    std::uint64_t w = free;
    // seq_cst: as the channel's link (L1): its release half publishes our record. relaxed on
    // failure: the sender of the previous lap has not freed the cell yet; spin.
    while (!c.word.compare_exchange_weak(w, word_of(p, rx), std::memory_order_seq_cst,
                                         std::memory_order_relaxed)) {
      w = free;
      csp::sync::std_backend::pause();
    }
    if constexpr (operations) {
      links_.n.fetch_add(1, std::memory_order_seq_cst);  // seq_cst: as the announcement (L3)
      // seq_cst: as the link's re-check of the closed flag (L2) and the watch list's count.
      benchmark::DoNotOptimize(closed_.n.load(std::memory_order_seq_cst));
      benchmark::DoNotOptimize(watchers_.n.load(std::memory_order_seq_cst));  // as above
    }
    if constexpr (P == protocol::record || P == protocol::record_with_operations) {
      // acquire: pairs with the sender's release of the flag, which published the value.
      while (mine.flag.load(std::memory_order_acquire) == 0) csp::sync::std_backend::pause();
      return mine.value.load(std::memory_order_relaxed);  // relaxed: published by the flag
    } else {
      // acquire: pairs with the sender's release of `landed`, which published the value.
      while (c.word.load(std::memory_order_acquire) != word_of(p, landed)) {
        csp::sync::std_backend::pause();
      }
      const std::uint64_t v = c.value.load(std::memory_order_relaxed);  // relaxed: as above
      if constexpr (P == protocol::landing_taken || P == protocol::landing_taken_with_operations) {
        std::uint64_t here = word_of(p, landed);
        // acq_rel, as the take that would race with an eviction: the release half orders our
        // read of the value before the next lap's use of the cell. With the operations,
        // seq_cst: the take is then the cell's free, the event count's half of a Dekker, as the
        // channel's. relaxed on failure: cannot fail here (nobody evicts).
        constexpr auto take = operations ? std::memory_order_seq_cst : std::memory_order_acq_rel;
        c.word.compare_exchange_strong(here, word_of(p + cells, empty), take,
                                       std::memory_order_relaxed);
        if constexpr (operations) {
          benchmark::DoNotOptimize(waiters_.n.load(std::memory_order_seq_cst));   // as its N2
          benchmark::DoNotOptimize(watchers_.n.load(std::memory_order_seq_cst));  // as its W2
        }
      }
      return v;
    }
  }

 private:
  struct alignas(64) counter {
    std::atomic<std::uint64_t> n{0};
  };
  struct alignas(64) cell {
    std::atomic<std::uint64_t> word{0};
    std::atomic<record*> who{nullptr};
    std::atomic<std::uint64_t> value{0};
  };

  record& receiver_;
  counter s_, r_, links_, closed_, waiters_, watchers_;
  cell ring_[cells];
};

// The buffered channel's hand-off at capacity 1 (lock_free/ring.hpp): one position, whose word,
// two storage slots (one per lap parity) and values share one line. One sender and one
// receiver, each with its own position counter (the ring's hints, which the operations store).
template <bool Operations>
class ring_channel {
 public:
  struct receive_state {};  // a ring receiver keeps nothing of its own

  explicit ring_channel(receive_state& /*unused*/) noexcept {}

  void send(std::uint64_t v) noexcept {
    const std::uint32_t bank = static_cast<std::uint32_t>(t_ & 1);
    std::uint32_t idle = 0;
    // acquire: as the ring's slot claim, pairs with the receiver's release of the slot (its
    // read of the previous value comes first). relaxed on failure: cannot fail in ping-pong,
    // where the receiver is done with the slot's previous value, two messages back, before
    // this message is sent.
    line_.owned[bank].compare_exchange_strong(idle, 1, std::memory_order_acquire,
                                              std::memory_order_relaxed);
    line_.value[bank].store(v, std::memory_order_relaxed);  // relaxed: published below
    std::uint64_t w = word_of(t_, empty);
    // seq_cst: as the ring's publish (S1): the release half publishes the value to the
    // receiver's poll. relaxed on failure: the receiver has not claimed the previous lap yet;
    // spin.
    while (!line_.word.compare_exchange_weak(w, word_of(t_, bank + 1), std::memory_order_seq_cst,
                                             std::memory_order_relaxed)) {
      w = word_of(t_, empty);
      csp::sync::std_backend::pause();
    }
    ++t_;
    if constexpr (Operations) {
      tail_.n.store(t_, std::memory_order_release);  // release: as the ring's tail hint
      benchmark::DoNotOptimize(not_empty_.n.load(std::memory_order_seq_cst));   // as its notify
      benchmark::DoNotOptimize(recv_watch_.n.load(std::memory_order_seq_cst));  // as above
    }
  }

  std::uint64_t recv(receive_state& /*unused*/) noexcept {
    const std::uint32_t bank = static_cast<std::uint32_t>(h_ & 1);
    std::uint64_t w = word_of(h_, bank + 1);
    // seq_cst: as the ring's poll (R1); its acquire half pairs with the publish.
    while (line_.word.load(std::memory_order_seq_cst) != w) csp::sync::std_backend::pause();
    // seq_cst: as the ring's claim (R2), which empties the word for the next lap. relaxed on
    // failure: cannot fail here (one receiver).
    line_.word.compare_exchange_strong(w, word_of(h_ + 1, empty), std::memory_order_seq_cst,
                                       std::memory_order_relaxed);
    ++h_;
    if constexpr (Operations) {
      head_.n.store(h_, std::memory_order_release);  // release: as the ring's head hint
    }
    // relaxed: the poll's acquire read the publish, which published it.
    const std::uint64_t v = line_.value[bank].load(std::memory_order_relaxed);
    // release: as the ring's release of a slot; pairs with the next claim of it (acquire).
    line_.owned[bank].store(0, std::memory_order_release);
    if constexpr (Operations) {
      benchmark::DoNotOptimize(not_full_.n.load(std::memory_order_seq_cst));    // as its notify
      benchmark::DoNotOptimize(send_watch_.n.load(std::memory_order_seq_cst));  // as above
    }
    return v;
  }

 private:
  struct alignas(64) counter {
    std::atomic<std::uint64_t> n{0};
  };
  struct alignas(64) position {
    std::atomic<std::uint64_t> word{0};  // [position][0: empty, k + 1: the value is in slot k]
    std::atomic<std::uint32_t> owned[2] = {0, 0};
    std::atomic<std::uint64_t> value[2] = {0, 0};
  };

  position line_;
  std::uint64_t t_ = 0;  // the sender's next position (its thread only)
  std::uint64_t h_ = 0;  // the receiver's next position (its thread only)
  counter tail_, head_, not_empty_, not_full_, recv_watch_, send_watch_;
};

// One row: the benchmark's thread sends on `ping` and receives the echo on `pong`, over two
// emulated channels of type C.
template <class C>
void round_trip(benchmark::State& state) {
  typename C::receive_state at_echo;
  typename C::receive_state at_pinger;
  C ping(at_echo);
  C pong(at_pinger);
  constexpr std::uint64_t stop = ~std::uint64_t{0};
  std::thread echo([&] {
    for (;;) {
      const std::uint64_t v = ping.recv(at_echo);
      if (v == stop) return;
      pong.send(v);
    }
  });
  std::uint64_t i = 0;
  for (auto _ : state) {
    ping.send(i++);
    benchmark::DoNotOptimize(pong.recv(at_pinger));
  }
  ping.send(stop);
  echo.join();
}

inline void register_rows() {
  benchmark::RegisterBenchmark("handoff/record", round_trip<channel<protocol::record>>)
      ->UseRealTime();
  benchmark::RegisterBenchmark("handoff/record_with_operations",
                               round_trip<channel<protocol::record_with_operations>>)
      ->UseRealTime();
  benchmark::RegisterBenchmark("handoff/landing_taken",
                               round_trip<channel<protocol::landing_taken>>)
      ->UseRealTime();
  benchmark::RegisterBenchmark("handoff/landing_taken_with_operations",
                               round_trip<channel<protocol::landing_taken_with_operations>>)
      ->UseRealTime();
  benchmark::RegisterBenchmark("handoff/landing_read", round_trip<channel<protocol::landing_read>>)
      ->UseRealTime();
  benchmark::RegisterBenchmark("handoff/ring_cap1", round_trip<ring_channel<false>>)->UseRealTime();
  benchmark::RegisterBenchmark("handoff/ring_cap1_with_operations", round_trip<ring_channel<true>>)
      ->UseRealTime();
}

}  // namespace handoff
