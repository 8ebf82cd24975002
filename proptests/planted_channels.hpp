// proptests/planted_channels.hpp — channels with a planted linearizability bug.
//
// The checker is only evidence if it can fail. These test doubles wrap the real mutex-based
// channel, break one promise of API.md, and are written as implementation families like those
// of primitives/tests/channel_impls.hpp (`Family::template channel<T>`), so they go through the
// very same harness — runner, checker, RapidCheck properties — that the shipped channels do.
// Tests in proptests/linearizability_test.cpp and proptests/channel_prop.cpp require them to be
// rejected, with the offending history printed.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>

#include "csp/errors.hpp"
#include "csp/mutex_based/channel.hpp"

namespace csp_test::planted {

// Forwards the operations the harness uses to a real channel.
template <class T>
class forwarding {
 public:
  using value_type = T;
  explicit forwarding(std::size_t capacity) : inner_(capacity) {}

  void send(const T& v) const { inner_.send(v); }
  [[nodiscard]] std::optional<T> recv() const { return inner_.recv(); }
  [[nodiscard]] csp::status try_send(const T& v) const { return inner_.try_send(v); }
  [[nodiscard]] csp::status try_recv(T& out) const { return inner_.try_recv(out); }
  void close() const { inner_.close(); }
  bool closed() const noexcept { return inner_.closed(); }
  std::size_t size() const noexcept { return inner_.size(); }
  std::size_t capacity() const noexcept { return inner_.capacity(); }

 protected:
  csp::mutex_based::channel<T> inner_;
};

// try_recv answers `empty` while any send is in progress, even when an earlier, completed send's
// value is buffered — the symptom of Vyukov's bounded ring (a try_pop that sees the head slot
// claimed but not yet published and gives up; ../shared/TOOLCHAIN.md), which would let a
// select with default take the default on a non-empty channel. Sequentially invisible: only a
// concurrent history shows it. On an unbuffered channel the lie is allowed (empty is always a
// possible answer there), so only capacity >= 1 exposes it.
template <class T>
class empty_while_sending : public forwarding<T> {
 public:
  explicit empty_while_sending(std::size_t capacity) : forwarding<T>(capacity) {}

  void send(const T& v) const {
    const in_flight guard(*sending_);
    this->inner_.send(v);
  }
  [[nodiscard]] csp::status try_send(const T& v) const {
    const in_flight guard(*sending_);
    return this->inner_.try_send(v);
  }
  [[nodiscard]] csp::status try_recv(T& out) const {
    if (sending_->load() > 0) return csp::status::empty;  // the planted bug
    return this->inner_.try_recv(out);
  }

 private:
  // Counts a send from before it starts until after it ends, and yields on the way in so that
  // the window is wide enough for a short test to hit it.
  struct in_flight {
    explicit in_flight(std::atomic<int>& c) : c_(c) {
      c_.fetch_add(1);
      for (int i = 0; i < 3; ++i) std::this_thread::yield();
    }
    ~in_flight() { c_.fetch_sub(1); }
    in_flight(const in_flight&) = delete;
    in_flight& operator=(const in_flight&) = delete;
    std::atomic<int>& c_;
  };
  std::shared_ptr<std::atomic<int>> sending_ = std::make_shared<std::atomic<int>>(0);
};

// A receive that finds two or more values buffered serves the newer of the first two and puts
// the older back at the tail: FIFO broken, visible even single-threaded.
template <class T>
class lifo_pair : public forwarding<T> {
 public:
  explicit lifo_pair(std::size_t capacity) : forwarding<T>(capacity) {}

  [[nodiscard]] std::optional<T> recv() const {
    if (std::optional<T> v = swapped()) return v;
    return this->inner_.recv();
  }
  [[nodiscard]] csp::status try_recv(T& out) const {
    if (std::optional<T> v = swapped()) {
      out = std::move(*v);
      return csp::status::ok;
    }
    return this->inner_.try_recv(out);
  }

 private:
  std::optional<T> swapped() const {
    if (this->inner_.size() < 2) return std::nullopt;
    T older{};
    T newer{};
    if (this->inner_.try_recv(older) != csp::status::ok) return std::nullopt;
    if (this->inner_.try_recv(newer) != csp::status::ok) return older;
    (void)this->inner_.try_send(std::move(older));  // the planted bug (and may drop it if full)
    return newer;
  }
};

// recv() polls and never notices close: a receiver that misses close's wake-up. Not a
// linearizability bug but a liveness one; it shows that the runner's watchdog turns a hang
// into a report instead of a stuck test.
template <class T>
class deaf_recv : public forwarding<T> {
 public:
  explicit deaf_recv(std::size_t capacity) : forwarding<T>(capacity) {}

  [[nodiscard]] std::optional<T> recv() const {
    for (T v{};; std::this_thread::yield()) {
      if (this->inner_.try_recv(v) == csp::status::ok) return v;  // closed: polls on (the bug)
    }
  }
};

// The families, as primitives/tests/channel_impls.hpp spells them.
struct empty_while_sending_family {
  template <class T>
  using channel = empty_while_sending<T>;
  static constexpr const char* name = "planted_empty_while_sending";
};
struct lifo_pair_family {
  template <class T>
  using channel = lifo_pair<T>;
  static constexpr const char* name = "planted_lifo_pair";
};

struct deaf_recv_family {
  template <class T>
  using channel = deaf_recv<T>;
  static constexpr const char* name = "planted_deaf_recv";
};

}  // namespace csp_test::planted
