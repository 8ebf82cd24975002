// <csp/once.hpp> — Go's sync.Once and OnceValue, and the concurrent singleton.
//
//   csp::once o;
//   o.call([] { init(); });                  // init() runs once; every caller sees its effects
//
//   csp::lazy<config> cfg([] { return load_config(); });
//   cfg->port;                               // built by the first use, from any thread, once
//
//   csp::singleton<registry>::instance();    // one process-wide registry, built on first use
//
// Two once implementations with one API:
//   csp::lock_free::once     one atomic word; acquire-load fast path; callers park on the word
//   csp::mutex_based::once   Go's sync.Once: an atomic flag and a mutex (double-checked locking)
// csp::once is the lock-free one: its done fast path is one load, like a function-local
// static's guard, and it may be destroyed as soon as the other callers have returned
// (bench/once_bench.cpp). lazy and singleton take the once type as their last parameter.
#pragma once

#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "csp/lock_free/once.hpp"
#include "csp/mutex_based/once.hpp"

namespace csp {

using once = lock_free::once;

namespace detail {
// F makes a T: init() returns a T (which need not be movable), or something a T is built from.
template <class F, class T>
concept makes = std::is_invocable_v<F&> &&
    (std::is_same_v<std::invoke_result_t<F&>, std::remove_cv_t<T>> ||
     std::is_constructible_v<T, std::invoke_result_t<F&>>);
}  // namespace detail

// lazy<T>: a T made by `init` on first use, once (Go's sync.OnceValue).
//
// get(), operator* and operator-> build the value on the first use from any thread and return
// it; concurrent first users wait for the one that builds it. If init throws, the exception
// reaches that caller, nothing is built, and the next use calls init again. The value lives
// inline (no heap) and is destroyed with the lazy if it was built; T need not be movable. init
// is released (with what it captured) as soon as it has succeeded, as OnceValue drops f.
//
// Synchronization contract
//   For any threads X and Y: if X's use built the value, everything init did (the whole
//   construction) happens-before every use in Y returns — the once's contract, since the value
//   is built inside once.call().
//
// Invariants (asserted by models/once_model.cpp, suite lazy)
//   L1. init completes at most once; the slot holds a T exactly when the once is done.
//   L2. Every use that returns reads a fully built T.
//
// State: the once's, plus the slot (raw storage for a T) kept in the backend's cell, so that
// Relacy sees the construction as a write and every use as a read: a use that returns without
// the once's happens-before edge is a reported DATA RACE.
//
// Incorrect alternative: the broken double-checked singleton — the once's fast-path load
// relaxed. Relacy: DATA RACE (mutants once_lf_relaxed_fast_path, once_mb_relaxed_fast_path);
// ThreadSanitizer: sanitizers/must_race/broken_singleton.cpp.
template <class T, class Once = csp::once>
class lazy {
  using B = typename Once::backend_type;
  struct slot {
    alignas(T) unsigned char bytes[sizeof(T)];
  };

 public:
  using value_type = T;
  using once_type = Once;

  template <detail::makes<T> F>
  explicit lazy(F init) : init_(std::move(init)) {}

  lazy(const lazy&) = delete;
  lazy& operator=(const lazy&) = delete;

  ~lazy() {
    if (once_.done()) slot_.with_mut([](slot& s) { value_in(s)->~T(); });
  }

  T& get() { return *ensure(); }
  const T& get() const { return *ensure(); }
  T& operator*() { return get(); }
  const T& operator*() const { return get(); }
  T* operator->() { return ensure(); }
  const T* operator->() const { return ensure(); }

  // Whether the value has been built (and is visible to this thread).
  [[nodiscard]] bool ready() const noexcept { return once_.done(); }

 private:
  static T* value_in(slot& s) noexcept { return std::launder(reinterpret_cast<T*>(s.bytes)); }

  T* ensure() const {
    once_.call([this] {
      slot_.with_mut([this](slot& s) { ::new (static_cast<void*>(s.bytes)) T(init_()); });
      init_ = nullptr;  // only the runner touches init_, inside the once
    });
    // A read of the cell: the once's edge must order it after the construction above. The slot
    // is a mutable member, never a const object, so dropping the cell's const is well-defined.
    return slot_.with([](const slot& s) { return value_in(const_cast<slot&>(s)); });
  }

  mutable Once once_;
  mutable typename B::template cell<slot> slot_{};
  mutable std::function<std::remove_cv_t<T>()> init_;
};

// singleton<T>::instance(): one process-wide T, default-constructed on first use, from any
// thread, once — the concurrent singleton pattern without C++'s magic statics.
//
// The once and the storage are constinit statics: they need no dynamic initialization, so
// instance() works from any static initializer in any translation unit, and the fast path is
// the once's single acquire load. The T is never destroyed (like absl::NoDestructor): it stays
// usable from other statics' destructors and from threads still running at exit, which a
// function-local static does not guarantee. If T's constructor throws, the exception reaches
// that caller and the next instance() tries again.
//
// Synchronization contract: T's construction happens-before every instance() that returns, in
// any thread (the once's contract). Invariant: at most one T is ever built per (T, Once).
//
// Once must be constexpr-constructible (both csp once types are, with the standard backend).
// Relacy objects cannot live in statics, so the models check lazy, whose get() is this same
// code with the storage in a cell.
template <class T, class Once = csp::once>
class singleton {
 public:
  using value_type = T;
  singleton() = delete;

  static T& instance() {
    once_.call([] { ::new (static_cast<void*>(storage_)) T(); });
    return *std::launder(reinterpret_cast<T*>(storage_));
  }

  // Whether instance() has completed somewhere (and the T is visible to this thread).
  [[nodiscard]] static bool ready() noexcept { return once_.done(); }

 private:
  static constinit inline Once once_{};
  alignas(T) static constinit inline unsigned char storage_[sizeof(T)]{};
};

}  // namespace csp
