// models/channel_suites.hpp — Relacy suites every channel implementation is held to.
//
// Each suite is a template over the channel type Ch (an implementation instantiated with a
// relacy_backend), the capacity, and the expected Relacy result, so the same suites prove the
// shipped channels correct (models/channel_model.cpp) and prove planted bugs are caught
// (models/mutants/channel_mutants.cpp). What they assert, in the terms of API.md:
//
//   exactly once     every value sent is received exactly once (counted in after())
//   FIFO             values from one sender arrive in the order sent
//   close            recv returns nullopt only after close() and after the buffer drained;
//                    a sender blocked at close() throws with its value unmoved
//   S1 send→recv     plain data written before send(), kept in a cell, is visible after the
//                    matching recv() (Relacy reports a DATA RACE on the cell otherwise)
//   S2 unbuffered    data written before recv() is visible after the matching send() returns
//   S3 capacity C    data written before the k-th recv() is visible after the (k+C)-th send()
//   S4 close→recv    data written before close() is visible after a recv() that saw it
//   liveness         no operation blocks forever (Relacy reports DEADLOCK)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "csp/errors.hpp"
#include "harness.hpp"

namespace csp::models::chan {

template <class Ch>
using cell_of = typename Ch::backend_type::template cell<int>;

inline int read(const auto& c) {
  return c.with([](const int& v) { return v; });
}

// One sender sends 0, 1 then closes; one receiver drains. FIFO, exactly once, S1, S4.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct spsc : rl::test_suite<spsc<Ch, Cap, Expected>, 2, Expected> {
  Ch ch{Cap};
  cell_of<Ch> payload[2] = {cell_of<Ch>{0}, cell_of<Ch>{0}};
  cell_of<Ch> before_close{0};

  void thread(unsigned index) {
    if (index == 0) {
      for (int i = 0; i < 2; ++i) {
        payload[i].with_mut([i](int& p) { p = 100 + i; });
        ch.send(i);
      }
      before_close.with_mut([](int& p) { p = 1; });
      ch.close();
    } else {
      int expected = 0;
      while (std::optional<int> v = ch.recv()) {
        check(*v == expected, "values from one sender out of order, lost or duplicated");
        check(read(payload[*v]) == 100 + *v, "S1: data written before send() not visible");
        ++expected;
      }
      check(expected == 2, "recv() returned nullopt before the buffer drained");
      check(read(before_close) == 1, "S4: recv() saw the close but not what preceded it");
    }
  }
};

// Two senders (one value each), one receiver: exactly once and S1 per value.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct mpsc : rl::test_suite<mpsc<Ch, Cap, Expected>, 3, Expected> {
  Ch ch{Cap};
  cell_of<Ch> payload[2] = {cell_of<Ch>{0}, cell_of<Ch>{0}};
  int received[2] = {0, 0};

  void thread(unsigned index) {
    if (index < 2) {
      const int v = static_cast<int>(index);
      payload[v].with_mut([v](int& p) { p = 10 + v; });
      ch.send(v);
    } else {
      for (int n = 0; n < 2; ++n) {
        const std::optional<int> v = ch.recv();
        check(v.has_value(), "recv() failed on an open channel");
        check(read(payload[*v]) == 10 + *v, "S1: data written before send() not visible");
        ++received[*v];
      }
    }
  }
  void after() { check(received[0] == 1 && received[1] == 1, "a value lost or duplicated"); }
};

// A hint that goes back (lock_free/ring.hpp, I3): sender 0 publishes and may store its tail
// hint only after sender 1 has published two values past it and the receiver took them; the
// next operation starts from the stale hint, laps behind, and must still find the frontier.
// Three values, one receiver: exactly once, and FIFO per sender.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct late_hint : rl::test_suite<late_hint<Ch, Cap, Expected>, 3, Expected> {
  Ch ch{Cap};
  int received[3] = {0, 0, 0};

  void thread(unsigned index) {
    if (index == 0) {
      ch.send(0);
    } else if (index == 1) {
      ch.send(1);
      ch.send(2);
    } else {
      int last_of_1 = 0;
      for (int n = 0; n < 3; ++n) {
        const std::optional<int> v = ch.recv();
        check(v.has_value(), "recv() failed on an open channel");
        if (*v != 0) {
          check(*v > last_of_1, "values from one sender out of order");
          last_of_1 = *v;
        }
        ++received[*v];
      }
    }
  }
  void after() {
    check(received[0] == 1 && received[1] == 1 && received[2] == 1, "a value lost or duplicated");
  }
};

// Two senders and two receivers, one value each: every value received exactly once.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct mpmc : rl::test_suite<mpmc<Ch, Cap, Expected>, 4, Expected> {
  Ch ch{Cap};
  int received[2] = {0, 0};

  void thread(unsigned index) {
    if (index < 2) {
      ch.send(static_cast<int>(index));
    } else {
      const std::optional<int> v = ch.recv();
      check(v.has_value(), "recv() failed on an open channel");
      ++received[*v];
    }
  }
  void after() { check(received[0] == 1 && received[1] == 1, "a value lost or duplicated"); }
};

// The ring's overflow storage (lock_free/ring.hpp, "Storage"). At capacity 1 the ring has two
// bank slots, but a buffered value, one being moved out by the receiver and each blocked
// sender's value (staged while it waits on the full buffer) all hold storage, so three senders
// overflow into the pool: a sender installs its first chunk while another thread uses it, and
// slots the receiver gave back to the free stack are popped by senders, also two deep and
// with pops racing. Sender i sends 2i and 2i + 1. Exactly once, FIFO per sender, S1 per value.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct overflow : rl::test_suite<overflow<Ch, Cap, Expected>, 4, Expected> {
  static constexpr int values = 6;
  Ch ch{Cap};
  cell_of<Ch> payload[values] = {cell_of<Ch>{0}, cell_of<Ch>{0}, cell_of<Ch>{0},
                                 cell_of<Ch>{0}, cell_of<Ch>{0}, cell_of<Ch>{0}};
  int received[values] = {0, 0, 0, 0, 0, 0};

  void send(int v) {
    payload[v].with_mut([v](int& p) { p = 10 + v; });
    ch.send(v);
  }
  void thread(unsigned index) {
    if (index < 3) {
      const int first = 2 * static_cast<int>(index);
      send(first);
      send(first + 1);
    } else {
      int last[3] = {-1, -1, -1};
      for (int n = 0; n < values; ++n) {
        const std::optional<int> v = ch.recv();
        check(v.has_value(), "recv() failed on an open channel");
        check(read(payload[*v]) == 10 + *v, "S1: data written before send() not visible");
        check(*v > last[*v / 2], "values from one sender out of order");
        last[*v / 2] = *v;
        ++received[*v];
      }
    }
  }
  void after() {
    for (const int r : received) check(r == 1, "a value lost or duplicated");
  }
};

// One sender racing close(); the receiver drains. A send that succeeded is received exactly
// once; a send that threw delivered nothing; nullopt comes only after close (S4).
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct close_race : rl::test_suite<close_race<Ch, Cap, Expected>, 3, Expected> {
  Ch ch{Cap};
  cell_of<Ch> before_close{0};
  bool send_threw = false;
  int received = 0;

  void thread(unsigned index) {
    if (index == 0) {
      try {
        ch.send(7);
      } catch (const closed_channel_error&) {
        send_threw = true;
      }
    } else if (index == 1) {
      before_close.with_mut([](int& p) { p = 1; });
      ch.close();
    } else {
      while (std::optional<int> v = ch.recv()) {
        check(*v == 7, "received a value nobody sent");
        ++received;
      }
      check(read(before_close) == 1, "S4: nullopt before the close happened");
    }
  }
  void after() {
    check(received == (send_threw ? 0 : 1), "a sent value was lost or a failed one delivered");
  }
};

// A sender blocked on a channel nobody receives from: close() must make it throw. (That its
// value is not moved from is checked with move-only values in primitives/tests.)
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct blocked_sender_at_close
    : rl::test_suite<blocked_sender_at_close<Ch, Cap, Expected>, 2, Expected> {
  Ch ch{Cap};

  void before() {
    for (std::size_t i = 0; i < Cap; ++i) ch.send(-1);  // fill the buffer: the send blocks
  }
  void thread(unsigned index) {
    if (index == 0) {
      bool threw = false;
      try {
        ch.send(5);
      } catch (const closed_channel_error&) {
        threw = true;
      }
      check(threw, "a send on a channel nobody receives from returned");
    } else {
      ch.close();
    }
  }
};

// A receiver blocked on an empty channel: close() must wake it with nullopt.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct blocked_receiver_at_close
    : rl::test_suite<blocked_receiver_at_close<Ch, Cap, Expected>, 2, Expected> {
  Ch ch{Cap};

  void thread(unsigned index) {
    if (index == 0) {
      check(!ch.recv().has_value(), "recv() on a closed empty channel returned a value");
    } else {
      ch.close();
    }
  }
};

// A try_recv that stops polling synchronizes with what ended its wait. One thread writes plain
// data, then sends a value (Send) or closes the channel; the other polls with try_recv until
// the answer is not `empty`, then reads the data. Its two instances follow.
template <class Ch, std::size_t Cap, bool Send, rl::test_result_e Expected>
struct try_recv_after : rl::test_suite<try_recv_after<Ch, Cap, Send, Expected>, 2, Expected> {
  Ch ch{Cap};
  cell_of<Ch> data{0};  // not `before`: Relacy calls that one

  void thread(unsigned index) {
    if (index == 0) {
      data.with_mut([](int& p) { p = 1; });
      if constexpr (Send) {
        ch.send(7);
      } else {
        ch.close();
      }
    } else {
      int v = 0;
      status s = status::empty;
      while ((s = ch.try_recv(v)) == status::empty) Ch::backend_type::yield();
      if constexpr (Send) {
        check(s == status::ok && v == 7, "try_recv did not get the value sent");
        check(read(data) == 1, "S1: try_recv completed before the send began");
      } else {
        check(s == status::closed, "try_recv on a channel nobody sends on answered neither");
        check(read(data) == 1, "S4: try_recv answered closed before the close happened");
      }
    }
  }
};

// S4 for a non-blocking receive: close() happens-before a try_recv that answers `closed`
// (API.md; Go's rule covers every receive that returns because the channel is closed). The
// lock-free rendezvous answers `closed` when it reads a cut bit in its own counter or its
// partner's (try_pair()'s lo, hi): the cut's read must be an acquire, or the answer comes
// unordered with the close — Relacy reports a DATA RACE on the data. The schedule needs the
// poll preempted after its read of the closed flag and the close preempted between its two
// cuts: context bound 2.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
using try_recv_at_close = try_recv_after<Ch, Cap, false, Expected>;

// S1 through a non-blocking receive. Unbuffered, try_recv succeeds only by meeting the sender
// waiting: the lock-free rendezvous finds it in try_pair()'s scan and claims it, and reads the
// sender's record through the scan's acquire of its link (relaxed: mutant
// rdv_try_scan_relaxed, a DATA RACE in claimed()). Buffered, it takes the value.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
using try_recv_meets_sender = try_recv_after<Ch, Cap, true, Expected>;

// The mirror: one thread receives; the other writes plain data, then polls with try_send until
// the value is taken. Unbuffered, try_send succeeds only by meeting the receiver waiting, which
// it finds by the same scan; the send happens-before the receive completes (S1).
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct try_send_meets_receiver
    : rl::test_suite<try_send_meets_receiver<Ch, Cap, Expected>, 2, Expected> {
  Ch ch{Cap};
  cell_of<Ch> before_send{0};

  void thread(unsigned index) {
    if (index == 0) {
      before_send.with_mut([](int& p) { p = 1; });
      while (ch.try_send(7) == status::full) Ch::backend_type::yield();
    } else {
      check(ch.recv() == std::optional<int>(7), "recv did not get the value sent");
      check(read(before_send) == 1, "S1: the receive completed before the try_send began");
    }
  }
};

// S2: on an unbuffered channel a receive happens-before the matching send completes.
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct unbuffered_reverse_edge
    : rl::test_suite<unbuffered_reverse_edge<Ch, Expected>, 2, Expected> {
  Ch ch{0};
  cell_of<Ch> before_recv{0};

  void thread(unsigned index) {
    if (index == 0) {
      ch.send(1);
      check(read(before_recv) == 1, "S2: the send completed before the receive began");
    } else {
      before_recv.with_mut([](int& p) { p = 1; });
      (void)ch.recv();
    }
  }
};

// S3 with C = 1: the first receive happens-before the second send completes.
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct capacity_edge : rl::test_suite<capacity_edge<Ch, Expected>, 2, Expected> {
  Ch ch{1};
  cell_of<Ch> before_first_recv{0};

  void thread(unsigned index) {
    if (index == 0) {
      ch.send(1);
      ch.send(2);  // completes only after the first receive freed the slot
      check(read(before_first_recv) == 1, "S3: the (1+C)-th send completed before receive 1");
    } else {
      before_first_recv.with_mut([](int& p) { p = 1; });
      (void)ch.recv();
      (void)ch.recv();
    }
  }
};

// Two receivers blocked on one sender of two values: both must wake (a notify that reaches the
// wrong waiter strands the right one).
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct two_blocked_receivers
    : rl::test_suite<two_blocked_receivers<Ch, Cap, Expected>, 3, Expected> {
  Ch ch{Cap};
  int received[2] = {0, 0};

  void thread(unsigned index) {
    if (index == 0) {
      ch.send(0);
      ch.send(1);
    } else {
      const std::optional<int> v = ch.recv();
      check(v.has_value(), "recv() failed on an open channel");
      ++received[*v];
    }
  }
  void after() { check(received[0] == 1 && received[1] == 1, "a value lost or duplicated"); }
};

// Timed operations racing: their timeouts are explored choices. Whatever they answer, a value
// is delivered at most once and a successful timed send's value is received.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct timed_race : rl::test_suite<timed_race<Ch, Cap, Expected>, 2, Expected> {
  Ch ch{Cap};
  status sent = status::closed;
  status got = status::closed;
  int value = 0;

  void thread(unsigned index) {
    if (index == 0) {
      sent = ch.try_send_for(9, std::chrono::milliseconds(1));
    } else {
      got = ch.try_recv_for(value, std::chrono::milliseconds(1));
    }
  }
  void after() {
    check(sent == status::ok || sent == status::timeout, "timed send: unexpected status");
    check(got == status::ok || got == status::timeout, "timed recv: unexpected status");
    if (got == status::ok) check(value == 9 && sent == status::ok, "received an unsent value");
    if (Cap == 0) check((sent == status::ok) == (got == status::ok), "rendezvous half-done");
    if (Cap > 0 && sent == status::ok && got != status::ok) {
      check(ch.size() == 1, "a buffered value vanished");
    }
  }
};

// Timed operations in a row on a channel of one cell: a receiver times out (or not) twice, a
// sender once, so the receiver's second draw needs the cell its first may have left marked
// (lock_free/rendezvous.hpp, I5: a timed operation draws only a free cell's position, waiting
// for it with its deadline). Whatever the timeouts, everyone returns, and a value is received
// only if it was sent, once. (That no wait outlasts its deadline is a matter of time, which
// the model checker does not see: channel_test.cpp checks it on the real build.)
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct timed_in_a_row : rl::test_suite<timed_in_a_row<Ch, Expected>, 2, Expected> {
  Ch ch{0};
  status sent = status::closed;
  status got[2] = {status::closed, status::closed};
  int value[2] = {0, 0};

  void thread(unsigned index) {
    if (index == 0) {
      for (int i = 0; i < 2; ++i) got[i] = ch.try_recv_for(value[i], std::chrono::milliseconds(1));
    } else {
      sent = ch.try_send_for(5, std::chrono::milliseconds(1));
    }
  }
  void after() {
    int received = 0;
    for (int i = 0; i < 2; ++i) {
      check(got[i] == status::ok || got[i] == status::timeout, "timed recv: unexpected status");
      if (got[i] == status::ok) {
        check(value[i] == 5, "received an unsent value");
        ++received;
      }
    }
    check(sent == status::ok || sent == status::timeout, "timed send: unexpected status");
    check(received == (sent == status::ok ? 1 : 0), "rendezvous half-done or duplicated");
  }
};

// Linearizable failing answers (lock_free/channel.hpp): try_recv never says `empty` after a
// send has completed whose value nobody received. Two senders (capacity >= 2, so both complete
// unaided); the receiver waits for the second to complete and then must find a value.
template <class Ch, std::size_t Cap, rl::test_result_e Expected = rl::test_result_success>
struct no_false_empty : rl::test_suite<no_false_empty<Ch, Cap, Expected>, 3, Expected> {
  Ch ch{Cap};
  typename Ch::backend_type::template atomic<std::uint32_t> second_sent{0};

  void thread(unsigned index) {
    if (index == 0) {
      ch.send(1);
    } else if (index == 1) {
      ch.send(2);
      // seq_cst: the receiver's load below is ordered after this completed send.
      second_sent.store(1, std::memory_order_seq_cst);
    } else {
      while (second_sent.load(std::memory_order_seq_cst) == 0) Ch::backend_type::yield();
      int v = 0;
      check(ch.try_recv(v) == status::ok, "try_recv said empty after a send had completed");
    }
  }
};

// And try_send never says `full` after a receive has completed that made room. Capacity 1 is
// full; a receive completes; the next try_send must succeed.
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct no_false_full : rl::test_suite<no_false_full<Ch, Expected>, 2, Expected> {
  Ch ch{1};
  typename Ch::backend_type::template atomic<std::uint32_t> received{0};

  void before() { ch.send(1); }
  void thread(unsigned index) {
    if (index == 0) {
      check(ch.recv().value() == 1, "lost the buffered value");
      // seq_cst: the sender's load below is ordered after this completed receive.
      received.store(1, std::memory_order_seq_cst);
    } else {
      while (received.load(std::memory_order_seq_cst) == 0) Ch::backend_type::yield();
      check(ch.try_send(2) == status::ok, "try_send said full after a receive made room");
    }
  }
};

// The failing answers are linearizable across channels too (linearizability is local: the
// operations of two linearizable channels have one total order). Store buffering over two
// buffered channels: each thread completes a send on one channel, then try_recv's the other.
// In any total order one send precedes the other thread's try_recv, so the two cannot both say
// `empty`. Only the receive's read of the head word being seq_cst forbids it (an acquire read
// may return the word as it was before the other thread's publish).
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct empty_across_channels : rl::test_suite<empty_across_channels<Ch, Expected>, 2, Expected> {
  Ch ch[2] = {Ch{1}, Ch{1}};
  status seen[2] = {status::ok, status::ok};

  void thread(unsigned index) {
    ch[index].send(1);
    int v = 0;
    seen[index] = ch[1 - index].try_recv(v);
  }
  void after() {
    check(seen[0] != status::empty || seen[1] != status::empty,
          "both try_recv said empty, each after a send the other could not have missed");
  }
};

// And `full`: both channels start full; each thread completes a receive on one, then
// try_send's the other. They cannot both say `full`.
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct full_across_channels : rl::test_suite<full_across_channels<Ch, Expected>, 2, Expected> {
  Ch ch[2] = {Ch{1}, Ch{1}};
  status seen[2] = {status::ok, status::ok};

  void before() {
    ch[0].send(0);
    ch[1].send(0);
  }
  void thread(unsigned index) {
    check(ch[index].recv().value() == 0, "lost the buffered value");
    seen[index] = ch[1 - index].try_send(1);
  }
  void after() {
    check(seen[0] != status::full || seen[1] != status::full,
          "both try_send said full, each after a receive the other could not have missed");
  }
};

// More waiting receivers than an unbuffered channel's ring has cells (instantiate with a
// backend of 1 cell): the later ones wait for a cell; close must release them all.
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct receivers_beyond_cells_at_close
    : rl::test_suite<receivers_beyond_cells_at_close<Ch, Expected>, 3, Expected> {
  Ch ch{0};

  void thread(unsigned index) {
    if (index < 2) {
      check(!ch.recv().has_value(), "recv() on a closed empty channel returned a value");
    } else {
      ch.close();
    }
  }
};

// A pair in transfer at close, and a receiver waiting for their cell (one cell): the cell is
// freed after close's sweep passed it, so the late receiver links after the sweep and must
// notice the close itself (L2 of lock_free/rendezvous.hpp).
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct close_during_transfer : rl::test_suite<close_during_transfer<Ch, Expected>, 4, Expected> {
  Ch ch{0};
  bool sent = false;
  int received = 0;

  void thread(unsigned index) {
    if (index == 0) {
      try {
        ch.send(1);
        sent = true;
      } catch (const closed_channel_error&) {
      }
    } else if (index < 3) {
      if (std::optional<int> v = ch.recv()) {
        check(*v == 1, "received a value nobody sent");
        ++received;
      }
    } else {
      ch.close();
    }
  }
  void after() { check(received == (sent ? 1 : 0), "a value lost or duplicated at close"); }
};

// A value whose first move or copy of 1 after arm() throws: a transfer that fails once.
// (Plain statics: the model's threads run one at a time, and only the thread that holds a
// pair's transfer moves the value.)
struct flaky {
  int v = 0;
  static inline bool armed = false;
  explicit flaky(int x) noexcept : v(x) {}
  flaky(const flaky& o) : v(o.v) { fail_once(); }
  flaky(flaky&& o) : v(o.v) { fail_once(); }
  flaky& operator=(const flaky& o) {
    fail_once();
    v = o.v;
    return *this;
  }
  flaky& operator=(flaky&& o) {
    fail_once();
    v = o.v;
    return *this;
  }
  ~flaky() = default;
  void fail_once() const {
    if (armed && v == 1) {
      armed = false;
      throw std::runtime_error("flaky: the transfer fails");
    }
  }
};

// An unbuffered transfer that throws: the party that moves the value leaves with the exception
// and its waiting partner stays unserved — a watching receiver is sent back to draw again
// (lock_free/rendezvous.hpp, send_back()), a waiting sender keeps its value. The receiver
// retries until it gets a value, the sender sends 2 if its send of 1 threw: the receiver must
// get the value whose send returned. (Mutant rdv_send_back_frees: the watcher takes the free
// for a transfer — a sender returns as if its value had been taken, and the receiver waits
// forever; a receiver returns no value.)
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct throwing_transfer : rl::test_suite<throwing_transfer<Ch, Expected>, 2, Expected> {
  Ch ch{0};
  bool threw = false;
  std::optional<flaky> got;

  void before() { flaky::armed = true; }
  void thread(unsigned index) {
    if (index == 0) {
      flaky one{1};
      try {
        ch.send(std::move(one));
      } catch (const std::runtime_error&) {
        threw = true;
        check(one.v == 1, "a send whose transfer threw lost its value");
      }
      if (threw) ch.send(flaky{2});
    } else {
      for (;;) {
        try {
          got = ch.recv();
          break;
        } catch (const std::runtime_error&) {
        }
      }
      check(got.has_value(), "recv() on an open channel returned no value");
    }
  }
  void after() {
    check(got->v == (threw ? 2 : 1), "received a value other than the one whose send returned");
  }
};

// One cell: a plain sender's value may still be landed in the cell (lock_free/rendezvous.hpp,
// land()) for a receiver that has not taken it when a timed sender needs the cell for the next
// position; it moves the value to the receiver's record first (evict(), from draw_if_free(),
// whose look at the cell is relaxed). The receiver's second receive is timed if its first got
// the plain sender's value, so that every schedule ends. Exactly once, S1 per value, and the
// timed send succeeds exactly when its value is received.
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct timed_evictor : rl::test_suite<timed_evictor<Ch, Expected>, 3, Expected> {
  Ch ch{0};
  cell_of<Ch> payload[2] = {cell_of<Ch>{0}, cell_of<Ch>{0}};
  status timed = status::closed;
  int received[2] = {0, 0};

  void thread(unsigned index) {
    if (index == 0) {
      payload[0].with_mut([](int& p) { p = 10; });
      ch.send(0);
    } else if (index == 1) {
      payload[1].with_mut([](int& p) { p = 11; });
      timed = ch.try_send_for(1, std::chrono::milliseconds(1));
    } else {
      const std::optional<int> v = ch.recv();
      check(v.has_value(), "recv() failed on an open channel");
      check(read(payload[*v]) == 10 + *v, "S1: data written before send() not visible");
      ++received[*v];
      int second = 0;
      if (*v == 1) {
        second = *ch.recv();  // the plain sender still waits
        ++received[second];
      } else if (ch.try_recv_for(second, std::chrono::milliseconds(1)) == status::ok) {
        check(read(payload[second]) == 10 + second, "S1: data written before send() not visible");
        ++received[second];
      }
    }
  }
  void after() {
    check(received[0] == 1, "the plain sender's value lost or duplicated");
    check(received[1] == (timed == status::ok ? 1 : 0), "the timed send and its receipt disagree");
    check(timed == status::ok || timed == status::timeout, "timed send: unexpected status");
  }
};

// A value whose copy throws once armed, and whose moves cannot: the lock-free rendezvous lands
// such a value in its cell (lock_free/rendezvous.hpp, land()).
struct brittle {
  int v = 0;
  static inline bool armed = false;
  explicit brittle(int x) noexcept : v(x) {}
  brittle(const brittle& o) : v(o.v) { fail_once(); }
  brittle(brittle&&) noexcept = default;
  brittle& operator=(const brittle& o) {
    fail_once();
    v = o.v;
    return *this;
  }
  brittle& operator=(brittle&&) noexcept = default;
  ~brittle() = default;
  void fail_once() const {
    if (armed && v == 1) {
      armed = false;
      throw std::runtime_error("brittle: the copy fails");
    }
  }
};

// throwing_transfer for a value that lands in the cell: the send copies its argument (an
// lvalue), and the copy throws wherever it is made — in the sender landing it beside a
// watching receiver, which is sent back to draw again, or in a receiver that meets a waiting
// sender. The receiver must get the value whose send returned, and the argument stays as it was.
template <class Ch, rl::test_result_e Expected = rl::test_result_success>
struct throwing_landing : rl::test_suite<throwing_landing<Ch, Expected>, 2, Expected> {
  Ch ch{0};
  bool threw = false;
  std::optional<brittle> got;

  void before() { brittle::armed = true; }
  void thread(unsigned index) {
    if (index == 0) {
      const brittle one{1};
      try {
        ch.send(one);
      } catch (const std::runtime_error&) {
        threw = true;
      }
      check(one.v == 1, "a send whose copy threw changed its argument");
      if (threw) ch.send(brittle{2});
    } else {
      for (;;) {
        try {
          got = ch.recv();
          break;
        } catch (const std::runtime_error&) {
        }
      }
      check(got.has_value(), "recv() on an open channel returned no value");
    }
  }
  void after() {
    check(got->v == (threw ? 2 : 1), "received a value other than the one whose send returned");
  }
};

}  // namespace csp::models::chan
