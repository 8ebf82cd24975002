// proptests/channel_model.hpp — the reference model of a Go channel: which outcomes are allowed.
//
// A plain sequential value: capacity, the buffered values in FIFO order, the closed flag. It is
// the specification every channel implementation is held to, sequentially by the RapidCheck
// state test (proptests/channel_prop.cpp) and concurrently by the linearizability checker
// (proptests/linearizability.hpp), on real threads and over Relacy's explored schedules. No
// RapidCheck or GoogleTest here, and only standard headers that models/relacy_backend.hpp
// includes before Relacy, so a Relacy model can include this file.
//
// Semantics (Go's, as API.md states them; `closed` below means close() has linearized):
//
//   op          linearizes alone here when         answers                 effect
//   send(v)     closed                             closed (throws)         -
//               !closed, size < capacity           ok                      v joins the tail
//   recv()      size > 0                           ok, the head            head leaves
//               closed, size == 0                  closed (nullopt)        -
//   try_send(v) closed                             closed                  -
//               size < capacity                    ok                      v joins the tail
//               otherwise                          full                    -
//   try_recv()  size > 0                           ok, the head            head leaves
//               closed                             closed                  -
//               otherwise                          empty                   -
//   close()     !closed                            ok                      closed
//               closed                             closed (throws)         -
//   size()      always                             ok, size                -
//   closed()    always                             ok, 1 if closed else 0  -
//
// Blocking. A blocked send or recv has no effect until it completes, so it is not model state:
// it is an operation whose response has not happened yet, and it linearizes at one point in
// its interval where the table says it can proceed — never while it "would block". Go's queues
// of waiting senders and receivers are therefore the checker's set of pending operations, and
// only the rendezvous below looks at them. A send blocked when close() linearizes can only
// linearize after it, so it answers closed; a blocked recv drains the buffer, then answers
// closed.
//
// Rendezvous (capacity 0). A send and a receive on an unbuffered channel complete together:
// they linearize as one step at one point inside both intervals, the receive answering the
// send's value, and only while the channel is open. At least one side must be a blocking
// operation (send or recv): try_send succeeds only by handing its value to a receiver that is
// already waiting, and try_recv only by taking a waiting sender's value, so two try_ operations
// never meet. Alone (no partner), an unbuffered send or recv cannot linearize while the
// channel is open — the table's `size < capacity` and `size > 0` never hold.
//
// Unbuffered full / empty. On capacity 0, try_send answers full (try_recv: empty) when no
// receiver (sender) is waiting. Whether a partner *was waiting* is invisible to invocation and
// response stamps: a pending recv may not have reached its wait yet when a try_send runs. So
// the model allows full / empty at any point where the channel is open, and never once close()
// has linearized (then the answer must be closed). That is the strongest rule stamps can
// support: it stays sound (no correct channel is rejected) and it is not vacuous — a full or
// empty that can only be placed after the close, or an ok without a concurrent blocking
// partner carrying the same value, is rejected. With capacity >= 1 there is no such freedom:
// full and empty are exact (try_recv never says empty after a send completed whose value is
// still buffered; try_send never says full after a receive completed that freed the last
// slot). The sequential state test pins the unbuffered answers exactly, since single-threaded
// no partner can be waiting. Where a recorder can also stamp the moment each blocked operation
// became findable (the Relacy models, through the channels' observation point), the checker
// judges the unbuffered full / empty exactly as well (linearizability.hpp, exactness()).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "csp/errors.hpp"

namespace csp_test {

enum class op_kind : std::uint8_t { send, recv, try_send, try_recv, close, size, closed };

constexpr const char* to_string(op_kind k) noexcept {
  switch (k) {
    case op_kind::send: return "send";
    case op_kind::recv: return "recv";
    case op_kind::try_send: return "try_send";
    case op_kind::try_recv: return "try_recv";
    case op_kind::close: return "close";
    case op_kind::size: return "size";
    case op_kind::closed: return "closed";
  }
  return "?";
}

constexpr bool is_send(op_kind k) noexcept {
  return k == op_kind::send || k == op_kind::try_send;
}
constexpr bool is_recv(op_kind k) noexcept {
  return k == op_kind::recv || k == op_kind::try_recv;
}
// The operations that may wait (and so make a scenario need a watchdog to terminate).
constexpr bool may_block(op_kind k) noexcept {
  return k == op_kind::send || k == op_kind::recv;
}

// What an operation answered. send / close: ok, or closed when they threw
// closed_channel_error; recv: ok with the value, or closed for std::nullopt; size and closed()
// answer ok with `value` (closed(): 0 or 1).
struct outcome {
  csp::status st = csp::status::ok;
  int value = 0;  // recv / try_recv ok: the value received; size(); closed()

  friend bool operator==(const outcome&, const outcome&) = default;
};

class channel_model {
 public:
  // Enough for every generated capacity; the model is a test oracle, not a channel.
  static constexpr std::size_t max_capacity = 8;

  // Capacities above max_capacity are clamped; check_linearizable rejects such histories.
  explicit channel_model(std::size_t capacity = 0) noexcept
      : capacity_(capacity < max_capacity ? capacity : max_capacity) {}

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const noexcept { return count_; }
  bool closed() const noexcept { return closed_; }

  // The one answer `kind(arg)` gives when it linearizes alone in this state (see the table), or
  // nullopt when it cannot linearize alone here: a send or recv that would wait.
  std::optional<outcome> solo(op_kind kind, int arg) const noexcept {
    (void)arg;
    using csp::status;
    switch (kind) {
      case op_kind::send:
        if (closed_) return outcome{status::closed};
        if (count_ < capacity_) return outcome{status::ok};
        return std::nullopt;
      case op_kind::recv:
        if (count_ > 0) return outcome{status::ok, buf_[0]};
        if (closed_) return outcome{status::closed};
        return std::nullopt;
      case op_kind::try_send:
        if (closed_) return outcome{status::closed};
        if (count_ < capacity_) return outcome{status::ok};
        return outcome{status::full};
      case op_kind::try_recv:
        if (count_ > 0) return outcome{status::ok, buf_[0]};
        if (closed_) return outcome{status::closed};
        return outcome{status::empty};
      case op_kind::close: return outcome{closed_ ? status::closed : status::ok};
      case op_kind::size: return outcome{status::ok, static_cast<int>(count_)};
      case op_kind::closed: return outcome{status::ok, closed_ ? 1 : 0};
    }
    return std::nullopt;
  }

  // Applies the effect of `kind(arg)` answering `solo(kind, arg)`.
  void apply(op_kind kind, int arg) noexcept {
    const std::optional<outcome> o = solo(kind, arg);
    if (!o || o->st != csp::status::ok) return;  // failures change nothing
    if (is_send(kind)) {
      buf_[count_++] = arg;
    } else if (is_recv(kind)) {
      for (std::size_t i = 1; i < count_; ++i) buf_[i - 1] = buf_[i];
      buf_[--count_] = 0;  // keep unused slots zero: operator== compares the whole array
    } else if (kind == op_kind::close) {
      closed_ = true;
    }
  }

  // Linearizes `kind(arg)` alone if it may answer `observed` here; false (and no change) if not.
  bool step(op_kind kind, int arg, const outcome& observed) noexcept {
    const std::optional<outcome> o = solo(kind, arg);
    if (!o || !(*o == observed)) return false;
    apply(kind, arg);
    return true;
  }

  // Whether a sender of kind `s` and a receiver of kind `r` may meet here (see Rendezvous). A
  // meeting changes no state: the value goes from hand to hand.
  bool may_meet(op_kind s, op_kind r) const noexcept {
    return capacity_ == 0 && !closed_ && is_send(s) && is_recv(r) &&
           (s == op_kind::send || r == op_kind::recv);
  }

  // Exact: equal models answer every future operation alike.
  friend bool operator==(const channel_model&, const channel_model&) = default;

  std::uint64_t hash() const noexcept {
    std::uint64_t h = (capacity_ << 1) | (closed_ ? 1U : 0U);
    for (std::size_t i = 0; i < count_; ++i) {
      h = (h ^ static_cast<std::uint32_t>(buf_[i])) * 0x100000001b3ULL;  // FNV-1a step
    }
    return h ^ (count_ << 56);
  }

 private:
  std::size_t capacity_;
  std::size_t count_ = 0;
  bool closed_ = false;
  std::array<int, max_capacity> buf_{};  // buf_[0] is the head; slots >= count_ are zero
};

}  // namespace csp_test
