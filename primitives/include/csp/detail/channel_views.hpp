// csp/detail/channel_views.hpp — range-for over a channel, and its directional views.
//
// Shared by every channel implementation: each one's send_only<T> / recv_only<T> are these
// templates instantiated with its own channel type.
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

#include "csp/errors.hpp"

namespace csp::detail {

// Go's `for v := range ch`: receives until the channel is closed and drained. Receiving
// happens in begin() and operator++; `*it` is the value just received.
template <class Receiver>
class recv_iterator {
 public:
  using value_type = typename Receiver::value_type;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  recv_iterator() = default;
  explicit recv_iterator(const Receiver& r) : r_(&r), current_(r.recv()) {}

  value_type& operator*() const noexcept { return *current_; }
  value_type* operator->() const noexcept { return &*current_; }
  recv_iterator& operator++() {
    current_ = r_->recv();
    return *this;
  }
  void operator++(int) { ++*this; }

  friend bool operator==(const recv_iterator& it, std::default_sentinel_t) noexcept {
    return !it.current_.has_value();
  }

 private:
  const Receiver* r_ = nullptr;
  mutable std::optional<value_type> current_;
};

// Go's `chan<- T`: send, close, len, cap.
template <class Channel>
class send_only_view {
 public:
  using value_type = typename Channel::value_type;
  using channel_type = Channel;

  send_only_view(const Channel& ch) : ch_(ch) {}  // NOLINT: implicit, as Go's conversion

  template <class U>
  void send(U&& v) const {
    ch_.send(std::forward<U>(v));
  }
  template <class U>
  [[nodiscard]] status try_send(U&& v) const {
    return ch_.try_send(std::forward<U>(v));
  }
  template <class U, class Rep, class Period>
  [[nodiscard]] status try_send_for(U&& v, const std::chrono::duration<Rep, Period>& d) const {
    return ch_.try_send_for(std::forward<U>(v), d);
  }
  template <class U, class Clock, class Duration>
  [[nodiscard]] status try_send_until(U&& v,
                                      const std::chrono::time_point<Clock, Duration>& t) const {
    return ch_.try_send_until(std::forward<U>(v), t);
  }
  void close() const { ch_.close(); }
  std::size_t size() const noexcept { return ch_.size(); }
  std::size_t capacity() const noexcept { return ch_.capacity(); }

  // The channel viewed (for select and comparisons).
  const Channel& channel() const noexcept { return ch_; }
  friend bool operator==(const send_only_view& a, const send_only_view& b) noexcept {
    return a.ch_ == b.ch_;
  }

 private:
  Channel ch_;
};

// Go's `<-chan T`: receive, range, len, cap, and whether it is closed.
template <class Channel>
class recv_only_view {
 public:
  using value_type = typename Channel::value_type;
  using channel_type = Channel;

  recv_only_view(const Channel& ch) : ch_(ch) {}  // NOLINT: implicit, as Go's conversion

  [[nodiscard]] std::optional<value_type> recv() const { return ch_.recv(); }
  [[nodiscard]] status try_recv(value_type& out) const { return ch_.try_recv(out); }
  template <class Rep, class Period>
  [[nodiscard]] status try_recv_for(value_type& out,
                                    const std::chrono::duration<Rep, Period>& d) const {
    return ch_.try_recv_for(out, d);
  }
  template <class Clock, class Duration>
  [[nodiscard]] status try_recv_until(value_type& out,
                                      const std::chrono::time_point<Clock, Duration>& t) const {
    return ch_.try_recv_until(out, t);
  }
  recv_iterator<recv_only_view> begin() const { return recv_iterator<recv_only_view>(*this); }
  std::default_sentinel_t end() const noexcept { return {}; }
  bool closed() const noexcept { return ch_.closed(); }
  std::size_t size() const noexcept { return ch_.size(); }
  std::size_t capacity() const noexcept { return ch_.capacity(); }

  const Channel& channel() const noexcept { return ch_; }
  friend bool operator==(const recv_only_view& a, const recv_only_view& b) noexcept {
    return a.ch_ == b.ch_;
  }

 private:
  Channel ch_;
};

}  // namespace csp::detail
