// csp/detail/intrusive_fifo.hpp — a FIFO of waiters that live on their threads' stacks.
//
// Go's waitq of sudogs: a blocked thread links its own waiter record into a channel's queue,
// so blocking allocates nothing and a timed-out waiter unlinks itself in O(1). Not
// thread-safe: the owner (a channel's mutex) guards every call.
#pragma once

namespace csp::detail {

// W must have members `W* prev` and `W* next` and `bool linked`.
template <class W>
class intrusive_fifo {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  W* front() const noexcept { return head_; }

  void push_back(W* w) noexcept {
    w->prev = tail_;
    w->next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = w;
    } else {
      head_ = w;
    }
    tail_ = w;
    w->linked = true;
  }

  void erase(W* w) noexcept {
    if (w->prev != nullptr) {
      w->prev->next = w->next;
    } else {
      head_ = w->next;
    }
    if (w->next != nullptr) {
      w->next->prev = w->prev;
    } else {
      tail_ = w->prev;
    }
    w->prev = w->next = nullptr;
    w->linked = false;
  }

  W* pop_front() noexcept {
    W* w = head_;
    if (w != nullptr) erase(w);
    return w;
  }

 private:
  W* head_ = nullptr;
  W* tail_ = nullptr;
};

}  // namespace csp::detail
