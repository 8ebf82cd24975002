// csp/detail/channel_transfer.hpp — moving one value from a sender to a receiver, exactly once.
//
// A channel never moves from the sender's argument until the operation succeeds, and a value
// handed directly from a blocked sender to a receiver (or from the buffer to a receiver) is
// constructed straight into the receiver's destination. Both ends are type-erased so the
// channel's queues hold plain pointers:
//
//   source  the sender's argument `U&& v` (U may differ from T: send("abc") on channel<string>);
//           it can emplace a T into an optional<T> (a buffer slot or recv()'s result) or assign
//           into a T& (try_recv's out-parameter).
//   sink    where a receiver wants its value: recv()'s std::optional<T>, or try_recv()'s T&.
//
// If T's constructor or assignment throws, the exception leaves the operation before anything
// is dequeued or popped: the value stays where it was (in the buffer, or with its sender).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

namespace csp::detail {

// Two words: the argument's address and a static table of what can be done with it (shared,
// read-only, in every core's cache), so that a source fits beside a waiter's parker on one
// cache line (lock_free/rendezvous.hpp).
template <class T>
class source {
 public:
  source() noexcept = default;

  // Refers to `v`; nothing is moved until emplace/assign run.
  template <class U>
  static source of(U& v) noexcept {
    return source(const_cast<void*>(static_cast<const volatile void*>(&v)), &ops_of<U>);
  }

  // Constructs the value into `dst` (moving from an rvalue argument).
  void emplace(std::optional<T>& dst) const { ops_->emplace(obj_, dst); }
  // Assigns the value to `dst` (moving from an rvalue argument).
  void assign(T& dst) const { ops_->assign(obj_, dst); }
  // Gives a value staged by emplace() back to the argument it came from: a lock-free send
  // stages its value before it knows whether it succeeds, and may then fail.
  void restore(T& staged) const { ops_->restore(obj_, staged); }
  // The argument if it is a trivially copyable T, which a copy leaves as it was: the lock-free
  // rendezvous may then copy it next to its waiter's record. Null otherwise.
  const T* plain() const noexcept {
    return ops_->plain ? static_cast<const T*>(static_cast<const void*>(obj_)) : nullptr;
  }

 private:
  struct ops {
    void (*emplace)(void* obj, std::optional<T>& dst);
    void (*assign)(void* obj, T& dst);
    void (*restore)(void* obj, T& staged);
    bool plain;
  };
  template <class U>
  static constexpr ops ops_of{
      [](void* o, std::optional<T>& dst) {
        dst.emplace(std::forward<U>(*static_cast<std::remove_reference_t<U>*>(o)));
      },
      [](void* o, T& dst) { dst = std::forward<U>(*static_cast<std::remove_reference_t<U>*>(o)); },
      [](void* o, T& staged) {
        // Only an rvalue T was moved from. An lvalue was copied; a value of another type was
        // converted, and what a conversion left behind cannot be restored (the lock-free
        // channel's header says so).
        if constexpr (std::is_same_v<U, T> && std::is_move_assignable_v<T>) {
          *static_cast<std::remove_reference_t<U>*>(o) = std::move(staged);
        } else {
          (void)o;
          (void)staged;
        }
      },
      (std::is_same_v<std::remove_cvref_t<U>, T> && std::is_trivially_copyable_v<T>)};

  source(void* obj, const ops* o) noexcept : obj_(obj), ops_(o) {}

  void* obj_ = nullptr;
  const ops* ops_ = nullptr;
};

// A channel that stages a value before it knows whether the operation succeeds (the lock-free
// ring) must be able to give it back on failure (source::restore). That works when the
// argument `U&&` is an lvalue (copied from), an rvalue T (moved back), or trivially copyable
// (a conversion leaves it as it was). An rvalue of another type may be consumed by the
// conversion: such a channel converts from it as a const lvalue instead (a copy), and rejects
// it at compile time when T cannot be built from one (a move-only U).
template <class T, class U>
inline constexpr bool restorable_v =
    std::is_lvalue_reference_v<U> || std::is_same_v<std::remove_cvref_t<U>, T> ||
    std::is_trivially_copyable_v<std::remove_reference_t<U>>;
template <class T, class U>
inline constexpr bool stageable_v =
    restorable_v<T, U> || std::is_constructible_v<T, const std::remove_reference_t<U>&>;
// The argument type such a channel builds its source from (source<T>::of<staged_arg_t<T, U>>).
template <class T, class U>
using staged_arg_t = std::conditional_t<restorable_v<T, U>, U, const std::remove_reference_t<U>&>;

template <class T>
class sink {
 public:
  sink() noexcept = default;  // refers to nothing; only to be assigned (a rendezvous cell's copy)
  explicit sink(std::optional<T>& opt) noexcept : opt_(&opt) {}
  explicit sink(T& ref) noexcept : ref_(&ref) {}

  // Moves a buffered value in. If this throws, `v` is left as T's move left it, still owned by
  // the caller (the buffer slot is not popped).
  void put(T& v) {
    if (opt_ != nullptr) {
      opt_->emplace(std::move(v));
    } else {
      *ref_ = std::move(v);
    }
  }
  // Takes a sender's value (the unbuffered hand-off).
  void put(const source<T>& s) {
    if (opt_ != nullptr) {
      s.emplace(*opt_);
    } else {
      s.assign(*ref_);
    }
  }

 private:
  std::optional<T>* opt_ = nullptr;
  T* ref_ = nullptr;
};

}  // namespace csp::detail
