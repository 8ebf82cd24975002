// csp/detail/watch_list.hpp — selects waiting for a lock-free channel to change.
//
// A select cannot wait inside a buffered lock-free channel the way a blocked receive does (on
// an event count): it waits on several channels at once, on its own parker. So it links a
// watcher into each channel's watch list; an operation that may have made a watched case ready
// (a publish, a claim, a link, a free, close) calls notify_all(), which claims each watching
// select with `retry` and wakes it; the select then polls its cases again (csp/select.hpp).
// This is crossbeam's SyncWaker: a short lock around the list, and an atomic count so that a
// channel nobody selects on pays one load per notify.
//
// Synchronization contract (W1..W3)
//   A notifier makes its change with a seq_cst operation N1, then reads the count (W2,
//   seq_cst). A select adds its watcher (the count increment W1, seq_cst, then the link under
//   the mutex) and then re-checks readiness with a seq_cst load C. Either W2 reads a count that
//   excludes W1 — then N1 < W2 < W1 < C in the single total order and C sees the change — or
//   the notifier takes the mutex: if the select linked first, the notifier finds the watcher;
//   otherwise the notifier's unlock happens-before the select's lock, N1 happens-before C, and
//   C sees the change. No wake-up is lost.
//   W3  remove() returns only when no notifier touches the watcher or its select any more
//       (both happen under the mutex), so the select's frame may then die.
//
// Incorrect alternative (mutant watch_count_relaxed): the count incremented relaxed. W1 then
// has no place in the total order: the notifier's W2 can read the old count while the select's
// re-check C still misses N1 (store buffering) — nobody wakes the select: DEADLOCK.
#pragma once

#include <cstdint>

#include "csp/detail/intrusive_fifo.hpp"
#include "csp/detail/select_ctx.hpp"
#include "csp/sync/backend.hpp"

namespace csp::detail {

// Mutation points of this file (csp/sync/mutation.hpp).
namespace mutation {
struct watch_count_relaxed {};
}  // namespace mutation

template <class B>
class watch_list {
 public:
  struct watcher {
    select_ctx<B>* ctx = nullptr;
    std::uint32_t index = 0;  // the select's case
    // Guarded by the list's mutex.
    watcher* prev = nullptr;
    watcher* next = nullptr;
    bool linked = false;
  };

  watch_list() = default;
  watch_list(const watch_list&) = delete;
  watch_list& operator=(const watch_list&) = delete;

  // Links `w`; the caller re-checks readiness with a seq_cst load afterwards (see above).
  void add(watcher& w) {
    // seq_cst (W1): the Dekker with notify_all()'s W2. (Mutant: watch_count_relaxed.)
    count_.fetch_add(1, sync::order<B, mutation::watch_count_relaxed>(std::memory_order_seq_cst));
    typename B::unique_lock lk(m_);
    list_.with_mut([&](intrusive_fifo<watcher>& l) { l.push_back(&w); });
  }

  // Unlinks `w` if no notifier did (W3).
  void remove(watcher& w) {
    typename B::unique_lock lk(m_);
    list_.with_mut([&](intrusive_fifo<watcher>& l) {
      if (w.linked) {
        l.erase(&w);
        // relaxed: the count is only a filter for notifiers; the mutex orders the list.
        count_.fetch_sub(1, std::memory_order_relaxed);
      }
    });
  }

  // Call after a seq_cst change a watching select may be waiting for: wakes every watcher
  // whose select it can still claim.
  void notify_all() {
    // seq_cst (W2): after the caller's change in the total order; Dekker with W1.
    if (count_.load(std::memory_order_seq_cst) == 0) return;
    typename B::unique_lock lk(m_);
    list_.with_mut([&](intrusive_fifo<watcher>& l) {
      while (watcher* w = l.pop_front()) {
        // relaxed: as in remove().
        count_.fetch_sub(1, std::memory_order_relaxed);
        if (w->ctx->claim(w->index)) w->ctx->wake(wake_kind::retry);
      }
    });
  }

 private:
  typename B::template atomic<std::uint32_t> count_{0};
  typename B::mutex m_;
  typename B::template cell<intrusive_fifo<watcher>> list_{};
};

}  // namespace csp::detail
