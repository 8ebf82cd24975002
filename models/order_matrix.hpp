// models/order_matrix.hpp — every memory order of the library, weakened one step at a time.
//
// A memory order the models cannot tell from a weaker one is either stronger than it needs to
// be or not covered by any model. tools/order_matrix.sh finds out which, for every atomic
// operation of the library the models execute, without rebuilding anything: the Relacy backend
// passes each operation's order through at_site() below, which two environment variables steer.
//
//   CSP_SITES=<file>         record each library site the models execute (file:line, the kind
//                            of operation, its order); written when the model binary exits.
//   CSP_WEAKEN=<path>:<line>[:a|r]
//                            weaken the operations on that line of the library one step:
//                              load   seq_cst -> acquire -> relaxed
//                              store  seq_cst -> release -> relaxed
//                              rmw    seq_cst -> acq_rel -> acquire (a) or release (r) -> relaxed
//                              fence  as rmw
//                            `path` is the header's path under primitives/include
//                            (csp/lock_free/ring.hpp). A compare-exchange's failure order is
//                            lowered with its success order when it would be stronger.
//
// Neither allocates (Relacy replaces the allocator inside a simulation): the target is parsed
// into a fixed buffer, and sites are kept in a fixed table.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "csp/sync/source_loc.hpp"

namespace csp::models::orders {

enum class op_kind { load, store, rmw, fence };

inline const char* kind_name(op_kind k) {
  switch (k) {
    case op_kind::load: return "load";
    case op_kind::store: return "store";
    case op_kind::rmw: return "rmw";
    case op_kind::fence: return "fence";
  }
  return "?";
}

inline const char* order_name(std::memory_order mo) {
  switch (mo) {
    case std::memory_order_relaxed: return "relaxed";
    case std::memory_order_consume: return "consume";
    case std::memory_order_acquire: return "acquire";
    case std::memory_order_release: return "release";
    case std::memory_order_acq_rel: return "acq_rel";
    case std::memory_order_seq_cst: return "seq_cst";
  }
  return "?";
}

// One step weaker, for an operation of kind k; `release_side`: acq_rel keeps its release half.
inline std::memory_order weaker(std::memory_order mo, op_kind k, bool release_side) {
  switch (mo) {
    case std::memory_order_seq_cst:
      if (k == op_kind::load) return std::memory_order_acquire;
      if (k == op_kind::store) return std::memory_order_release;
      return std::memory_order_acq_rel;
    case std::memory_order_acq_rel:
      return release_side ? std::memory_order_release : std::memory_order_acquire;
    default: return std::memory_order_relaxed;
  }
}

// The strongest failure order a compare-exchange with success order `mo` implies.
inline std::memory_order load_half(std::memory_order mo) {
  switch (mo) {
    case std::memory_order_seq_cst: return std::memory_order_seq_cst;
    case std::memory_order_acq_rel:
    case std::memory_order_acquire: return std::memory_order_acquire;
    default: return std::memory_order_relaxed;
  }
}
inline int strength(std::memory_order mo) {
  return mo == std::memory_order_seq_cst ? 2 : mo == std::memory_order_relaxed ? 0 : 1;
}

struct target {
  bool active = false;
  char path[200] = {};
  unsigned line = 0;
  bool release_side = true;
};

inline const target& weaken_target() {
  static const target t = [] {
    target r;
    const char* spec = std::getenv("CSP_WEAKEN");
    if (spec == nullptr) return r;
    const char* colon = std::strchr(spec, ':');
    if (colon == nullptr || static_cast<std::size_t>(colon - spec) >= sizeof r.path) return r;
    std::memcpy(r.path, spec, static_cast<std::size_t>(colon - spec));
    char* end = nullptr;
    r.line = static_cast<unsigned>(std::strtoul(colon + 1, &end, 10));
    r.release_side = !(end != nullptr && end[0] == ':' && end[1] == 'a');
    r.active = r.line != 0;
    return r;
  }();
  return t;
}

inline bool ends_with(const char* s, const char* suffix) {
  const std::size_t n = std::strlen(s);
  const std::size_t m = std::strlen(suffix);
  return m <= n && std::strcmp(s + n - m, suffix) == 0 && (m == n || s[n - m - 1] == '/');
}

struct site {
  const char* file;
  unsigned line;
  op_kind kind;
  std::memory_order order;
};

class site_table {
 public:
  static site_table& get() {
    static site_table t;
    return t;
  }
  bool enabled() const noexcept { return out_ != nullptr; }
  // Called on every atomic operation of every schedule: an open-addressed table keyed by the
  // file name's address (one literal per translation unit), so a hit costs a hash and a few
  // compares; write() merges entries that name one file through different literals.
  void record(const char* file, unsigned line, op_kind k, std::memory_order mo) noexcept {
    std::size_t h = (reinterpret_cast<std::uintptr_t>(file) >> 3) * 31 + line * 7 +
                    static_cast<std::size_t>(k) * 3 + static_cast<std::size_t>(mo);
    for (std::size_t probe = 0; probe < capacity; ++probe, ++h) {
      site& e = sites_[h % capacity];
      if (e.file == nullptr) {
        e = {file, line, k, mo};
        return;
      }
      if (e.file == file && e.line == line && e.kind == k && e.order == mo) return;
    }
  }

 private:
  static constexpr std::size_t capacity = 4096;
  site_table() : out_(std::getenv("CSP_SITES")) {
    if (out_ != nullptr) std::atexit([] { get().write(); });
  }
  void write() const {
    std::FILE* f = std::fopen(out_, "a");
    if (f == nullptr) return;
    for (const site& e : sites_) {
      if (e.file == nullptr) continue;
      const char* lib = std::strstr(e.file, "primitives/include/");
      if (lib == nullptr) continue;  // the models' own atomics
      std::fprintf(f, "%s:%u %s %s\n", lib + std::strlen("primitives/include/"), e.line,
                   kind_name(e.kind), order_name(e.order));
    }
    std::fclose(f);
  }
  const char* out_;
  site sites_[capacity] = {};
};

// The order an operation of kind k at l runs with: `mo`, or one step weaker at the target.
inline std::memory_order at_site(std::memory_order mo, op_kind k, sync::source_loc l) {
  site_table& t = site_table::get();
  if (t.enabled()) t.record(l.file, l.line, k, mo);
  const target& w = weaken_target();
  if (w.active && l.line == w.line && ends_with(l.file, w.path)) {
    return weaker(mo, k, w.release_side);
  }
  return mo;
}

// A compare-exchange's failure order, no stronger than what its (possibly weakened) success
// order implies.
inline std::memory_order failure_at_site(std::memory_order failure, std::memory_order success) {
  const std::memory_order cap = load_half(success);
  return strength(failure) > strength(cap) ? cap : failure;
}

}  // namespace csp::models::orders
