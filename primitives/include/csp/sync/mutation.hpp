// csp/sync/mutation.hpp — planted bugs, selected at compile time by the backend.
//
// A model that has never been seen to fail proves nothing. Each "incorrect alternative" named in
// a primitive's header comment is a *mutation point* in the real source: a tag type declared
// beside the code, and a call to `sync::order<B, Tag>(...)` or `sync::planted<B, Tag>` where the
// correct and the incorrect versions differ. A backend names at most one planted tag in its
// `mutant` member type; the standard backend names none (`void`), so in user builds every
// mutation point folds to the correct constant and costs nothing.
//
// The Relacy models instantiate the same class template with
// `csp::models::relacy_backend<Tag>` and must then fail with the expected Relacy result
// (models/mutants/). No copy of an algorithm exists only to be broken: the mutant is the
// shipped code with one decision flipped.
#pragma once

#include <atomic>
#include <type_traits>

namespace csp::sync {

// True when backend B plants the bug `Tag`.
template <class B, class Tag>
inline constexpr bool planted = std::is_same_v<typename B::mutant, Tag>;

// The memory order at a mutation point: `correct`, or `weakened` when B plants `Tag`.
template <class B, class Tag>
constexpr std::memory_order order(
    std::memory_order correct,
    // relaxed by default: the weakening the models must catch is dropping the order entirely.
    std::memory_order weakened = std::memory_order_relaxed) noexcept {
  return planted<B, Tag> ? weakened : correct;
}

// The failure order of a compare-exchange whose caller, when it fails, only looks again (a
// retry loop, or a re-read before deciding): nothing read by the failed attempt is relied on
// without being validated by a later, properly ordered operation, so relaxed is enough.
inline constexpr std::memory_order retry_on_failure = std::memory_order_relaxed;

// Observation points: moments a model records in a history that the public API cannot show.
//   waiting  a blocked send or receive has just become findable by its partners: from here on
//            until a partner takes it (or close releases it), a try operation of the other
//            side must not answer full / empty. The linearizability model stamps it to check
//            the unbuffered try answers' exactness (proptests/linearizability.hpp).
//   select_waiting  a blocked select has registered every case and is about to sleep: from
//            here until a partner claims it, a try operation on one of its channels must find
//            it (the select model's try_send_finds_select).
//   closing  a close has just taken effect (its linearization point): the operations it
//            releases waited until here, and no try operation may answer full / empty from here
//            on (the same exactness check, which judges unbuffered channels only). Stamped by
//            the lock-free rendezvous (K3) and the mutex-based channel; the lock-free ring,
//            buffered only, does not.
// A backend that defines `static void observe(point)` is called there; the standard backend
// does not, and the call compiles to nothing.
enum class point { waiting, select_waiting, closing };
template <class B>
void observe(point p) noexcept {
  if constexpr (requires { B::observe(p); }) B::observe(p);
}

// A record's lifetime, as a checking backend sees it. Whoever reads a record that lives on
// another thread's stack calls use() there; a backend that defines `lifetime` writes a shadow
// of it when the record dies, so a use unordered with the owner's return is a data race. The
// standard backend has none: this empty type, which a [[no_unique_address]] member makes take
// no space, and use() compiles to nothing.
struct no_lifetime {
  void use() const noexcept {}
};
template <class B>
struct lifetime_of {
  using type = no_lifetime;
};
template <class B>
requires requires {
  typename B::lifetime;
}
struct lifetime_of<B> {
  using type = typename B::lifetime;
};
template <class B>
using lifetime = typename lifetime_of<B>::type;

}  // namespace csp::sync
