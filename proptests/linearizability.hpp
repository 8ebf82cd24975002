// proptests/linearizability.hpp — channel histories and a Wing–Gong linearizability checker.
//
// A history is what a run of concurrent channel operations looked like from outside: for each
// operation its thread, what it was asked (kind, value sent), what it answered, and two stamps
// from one counter — taken just before the call and just after the return — so that `a.ret <
// b.call` means a returned before b was invoked. The history is linearizable when every
// operation can be given one point inside its [call, ret] interval such that the operations,
// applied in the order of their points to the reference model (channel_model.hpp), give exactly
// the answers recorded.
//
// Algorithm (Wing & Gong 1993, with Lowe's memoization): depth-first search over prefixes of a
// linearization. At each step the operations that may come next are the unlinearized ones
// invoked before the earliest response among the unlinearized (a point can still be found
// inside their intervals and before every remaining response); for each, the model either
// accepts its recorded answer and the search goes deeper, or rejects it. Two additions make it
// a channel checker:
//  * blocking: a send or recv linearizes only where the model says it can proceed
//    (channel_model::solo gives no answer while it would wait), so "blocked, then woken by
//    close" and "blocked until a receiver came" need no extra state;
//  * rendezvous: on an unbuffered channel a send and a receive that answered its value
//    linearize together, as one step — both must be candidates at that moment, which is exactly
//    the condition for their intervals and the remaining responses to leave one common point.
// Visited (linearized set, model state) pairs that led nowhere are remembered, so each is
// explored once: the cost is bounded by 2^ops × model states, tiny for the histories checked
// here (at most max_ops operations, a few values buffered).
//
// Limits. Every operation in a history must have returned (the runners guarantee it: real
// threads through a watchdog close, Relacy by construction). Stamps order call and return
// events but not the moment a blocked operation started waiting, which is why unbuffered full /
// empty are judged as channel_model.hpp explains — unless the recorder stamps that moment too
// (op_record::wait): then exactness() judges them exactly. Linearizability is a safety
// property: an operation that waits when it could proceed (and is released by a later close)
// passes here; liveness is the watchdog's and the models' business.
//
// Header-only, no RapidCheck or GoogleTest, and only standard headers that
// models/relacy_backend.hpp includes before Relacy: Relacy models include it too. Histories are
// fixed-size values (no heap), so a model can record them during rl::simulate; checking and
// describe() allocate, so call them outside the simulation.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "channel_model.hpp"
#include "csp/errors.hpp"

namespace csp_test {

// One operation of a history.
struct op_record {
  static constexpr std::uint8_t watchdog = 0xFF;  // `thread` of a runner's own close()

  op_kind kind = op_kind::size;
  std::uint8_t thread = 0;
  int arg = 0;  // the value sent (send, try_send)
  outcome out{};
  std::uint64_t call = 0;  // stamp taken just before the call
  std::uint64_t ret = 0;   // stamp taken just after the return
  // A blocking send or recv: the stamp of the moment it first became findable by a partner's
  // try operation (csp::sync::point::waiting), where a recorder can see it (the Relacy
  // models); `never` otherwise. The first, not the last: as in Go, a waiting operation waits
  // until a partner takes it, even if the implementation re-links it meanwhile. See
  // exactness().
  static constexpr std::uint64_t never = ~std::uint64_t{0};
  std::uint64_t wait = never;
  // A close: the stamp of the moment it took effect, its linearization point
  // (csp::sync::point::closing), where a recorder can see it; `never` otherwise. See
  // exactness().
  std::uint64_t effect = never;

  // Records that this operation is findable now (the next stamp of `clock`), unless it was
  // already: the first time is the one that counts (above).
  void mark_waiting(std::uint64_t& clock) noexcept {
    if (wait == never) wait = clock++;
  }

  friend bool operator==(const op_record&, const op_record&) = default;
};

// A recorded history: a plain value, so Relacy models can store it without the heap.
struct history {
  static constexpr std::size_t max_ops = 32;

  std::size_t capacity = 0;
  std::size_t n = 0;
  std::array<op_record, max_ops> ops{};

  // False (and nothing recorded) when the history is full.
  bool add(const op_record& r) noexcept {
    if (n == max_ops) return false;
    ops[n++] = r;
    return true;
  }

  friend bool operator==(const history& a, const history& b) noexcept {
    return a.capacity == b.capacity && a.n == b.n &&
           std::equal(a.ops.begin(), a.ops.begin() + static_cast<std::ptrdiff_t>(a.n),
                      b.ops.begin());
  }

  std::uint64_t hash() const noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ capacity;
    const auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 0x100000001b3ULL; };  // FNV-1a
    for (std::size_t i = 0; i < n; ++i) {
      const op_record& r = ops[i];
      mix(static_cast<std::uint64_t>(r.kind) | (std::uint64_t{r.thread} << 8) |
          (static_cast<std::uint64_t>(r.out.st) << 16));
      mix(static_cast<std::uint32_t>(r.arg));
      mix(static_cast<std::uint32_t>(r.out.value));
      mix(r.call | (r.ret << 32));
      mix(r.wait);
      mix(r.effect);
    }
    return h;
  }
};

// The value thread t sends in its i-th operation (t0 sends 100, 101, ...; t1 sends 200, ...).
// Recorders use it so that values are distinct within a history: a received value then names
// its send, and the checker never has to guess which send it was.
constexpr int sent_value(std::size_t t, std::size_t i) noexcept {
  return static_cast<int>(100 * (t + 1) + i);
}

// Runs one operation on a channel (any implementation: only the public API is used) and says
// what it answered. send and close report closed_channel_error as status::closed.
template <class Channel>
outcome perform(const Channel& ch, op_kind kind, int arg) {
  using csp::status;
  switch (kind) {
    case op_kind::send:
      try {
        ch.send(arg);
        return {status::ok};
      } catch (const csp::closed_channel_error&) {
        return {status::closed};
      }
    case op_kind::recv: {
      const std::optional<int> v = ch.recv();
      return v ? outcome{status::ok, *v} : outcome{status::closed};
    }
    case op_kind::try_send: return {ch.try_send(arg)};
    case op_kind::try_recv: {
      int v = 0;
      const status s = ch.try_recv(v);
      return {s, s == status::ok ? v : 0};
    }
    case op_kind::close:
      try {
        ch.close();
        return {status::ok};
      } catch (const csp::closed_channel_error&) {
        return {status::closed};
      }
    case op_kind::size: return {status::ok, static_cast<int>(ch.size())};
    case op_kind::closed: return {status::ok, ch.closed() ? 1 : 0};
  }
  return {};
}

// The checker's answer.
struct verdict {
  bool linearizable = false;
  std::size_t steps = 0;  // search nodes visited
  // A linearization when linearizable; otherwise the longest linearizable prefix found. Indices
  // into history::ops; meets_next[i]: order[i] (a send) and order[i + 1] meet at one point.
  std::array<std::uint8_t, history::max_ops> order{};
  std::array<bool, history::max_ops> meets_next{};
  std::size_t length = 0;
};

namespace detail {

class wing_gong {
 public:
  explicit wing_gong(const history& h) : h_(h) {
    for (std::size_t i = 0; i < h.n; ++i) by_call_[i] = static_cast<std::uint8_t>(i);
    std::sort(by_call_.begin(), by_call_.begin() + static_cast<std::ptrdiff_t>(h.n),
              [&h](std::uint8_t a, std::uint8_t b) { return h.ops[a].call < h.ops[b].call; });
    all_ = h.n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << h.n) - 1;
  }

  verdict run() {
    v_.linearizable = search(0, channel_model(h_.capacity), 0);
    if (v_.linearizable) {
      v_.order = stack_;
      v_.meets_next = meets_;
      v_.length = h_.n;
    }
    return v_;
  }

 private:
  struct memo_entry {
    std::uint64_t done = 0;
    channel_model model;
    bool used = false;
  };

  static std::uint64_t bit(std::size_t i) { return std::uint64_t{1} << i; }

  bool search(std::uint64_t done, const channel_model& m, std::size_t depth) {
    ++v_.steps;
    if (depth > v_.length) {  // remember the longest prefix, for the report
      v_.length = depth;
      v_.order = stack_;
      v_.meets_next = meets_;
    }
    if (done == all_) return true;
    if (seen(done, m)) return false;

    std::uint64_t first_ret = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t i = 0; i < h_.n; ++i) {
      if ((done & bit(i)) == 0) first_ret = std::min(first_ret, h_.ops[i].ret);
    }
    for (std::size_t k = 0; k < h_.n; ++k) {
      const std::size_t i = by_call_[k];
      const op_record& a = h_.ops[i];
      if ((done & bit(i)) != 0) continue;
      if (a.call >= first_ret) break;  // by_call_ is sorted: no later one is a candidate

      channel_model next = m;
      if (next.step(a.kind, a.arg, a.out)) {
        push(depth, i, false);
        if (search(done | bit(i), next, depth + 1)) return true;
      }
      if (!is_send(a.kind) || a.out.st != csp::status::ok) continue;
      for (std::size_t l = 0; l < h_.n; ++l) {  // rendezvous: a meets a receiver of its value
        const std::size_t j = by_call_[l];
        const op_record& b = h_.ops[j];
        if (b.call >= first_ret) break;
        if ((done & bit(j)) != 0 || !m.may_meet(a.kind, b.kind)) continue;
        if (b.out.st != csp::status::ok || b.out.value != a.arg) continue;
        push(depth, i, true);
        push(depth + 1, j, false);
        if (search(done | bit(i) | bit(j), m, depth + 2)) return true;
      }
    }
    remember(done, m);
    return false;
  }

  void push(std::size_t depth, std::size_t i, bool meets) {
    stack_[depth] = static_cast<std::uint8_t>(i);
    meets_[depth] = meets;
  }

  // Memo of dead ends: open addressing, grown at half load.
  std::size_t slot(std::uint64_t done, const channel_model& m) const {
    return static_cast<std::size_t>((done * 0x9E3779B97F4A7C15ULL) ^ m.hash()) & (memo_.size() - 1);
  }
  bool seen(std::uint64_t done, const channel_model& m) const {
    if (memo_.empty()) return false;
    for (std::size_t s = slot(done, m);; s = (s + 1) & (memo_.size() - 1)) {
      const memo_entry& e = memo_[s];
      if (!e.used) return false;
      if (e.done == done && e.model == m) return true;
    }
  }
  void remember(std::uint64_t done, const channel_model& m) {
    if (2 * (used_ + 1) > memo_.size()) {
      std::vector<memo_entry> old(memo_.empty() ? 64 : 2 * memo_.size());
      old.swap(memo_);
      used_ = 0;
      for (const memo_entry& e : old) {
        if (e.used) remember(e.done, e.model);
      }
    }
    std::size_t s = slot(done, m);
    while (memo_[s].used) s = (s + 1) & (memo_.size() - 1);
    memo_[s] = memo_entry{done, m, true};
    ++used_;
  }

  const history& h_;
  std::array<std::uint8_t, history::max_ops> by_call_{};
  std::uint64_t all_ = 0;
  std::array<std::uint8_t, history::max_ops> stack_{};
  std::array<bool, history::max_ops> meets_{};
  std::vector<memo_entry> memo_;
  std::size_t used_ = 0;
  verdict v_;
};

// Appends every part (strings, C strings, chars). Used instead of `"literal" + std::string`,
// on which g++ 12 at -O2 reports a false -Wrestrict.
inline std::string cat(const auto&... parts) {
  std::string s;
  ((s += parts), ...);
  return s;
}

inline std::string format(const char* fmt, auto... args) {
  char buf[256];
  const int len = std::snprintf(buf, sizeof buf, fmt, args...);
  return std::string(buf, len < 0 ? 0 : std::min(static_cast<std::size_t>(len), sizeof buf - 1));
}

}  // namespace detail

// Whether `h` is linearizable with respect to channel_model (see the file comment). A capacity
// the model cannot represent is answered "not linearizable": loudly wrong, never silently.
inline verdict check_linearizable(const history& h) {
  if (h.capacity > channel_model::max_capacity) return {};
  return detail::wing_gong(h).run();
}

// "t1", or "wd" for a runner's watchdog.
inline std::string thread_name(std::uint8_t t) {
  return t == op_record::watchdog ? std::string("wd") : detail::format("t%u", unsigned{t});
}

// "send(101)", "try_recv()", ...
inline std::string call_text(const op_record& r) {
  if (is_send(r.kind)) return detail::format("%s(%d)", to_string(r.kind), r.arg);
  return detail::format("%s()", to_string(r.kind));
}

// What the operation answered, in the API's terms.
inline std::string answer_text(op_kind kind, const outcome& o) {
  using csp::status;
  switch (kind) {
    case op_kind::send:
    case op_kind::close: return o.st == status::ok ? "ok" : "threw closed_channel_error";
    case op_kind::recv: return o.st == status::ok ? detail::format("%d", o.value) : "nullopt";
    case op_kind::try_recv:
      return o.st == status::ok ? detail::format("ok, %d", o.value) : to_string(o.st);
    case op_kind::try_send: return to_string(o.st);
    case op_kind::size: return detail::format("%d", o.value);
    case op_kind::closed: return o.value != 0 ? "true" : "false";
  }
  return "?";
}

// The history as a table in call order, with a timeline of the intervals; then the
// linearization found, or — when there is none — the longest linearizable prefix and, for each
// operation that could come next, what it answered and what the model would answer there.
inline std::string describe(const history& h, const verdict& v) {
  std::string s =
      detail::format("history on a channel of capacity %zu, %zu operations", h.capacity, h.n);
  s += " ([call, return] stamps from one counter):\n";
  std::array<std::uint8_t, history::max_ops> idx{};
  std::uint64_t last = 0;
  for (std::size_t i = 0; i < h.n; ++i) {
    idx[i] = static_cast<std::uint8_t>(i);
    last = std::max(last, h.ops[i].ret);
  }
  std::sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(h.n),
            [&h](std::uint8_t a, std::uint8_t b) { return h.ops[a].call < h.ops[b].call; });
  const bool timeline = last < 80;
  for (std::size_t k = 0; k < h.n; ++k) {
    const op_record& r = h.ops[idx[k]];
    std::string answer = answer_text(r.kind, r.out);
    if (r.wait != op_record::never) {
      answer += detail::format(" (waits @%llu)", static_cast<unsigned long long>(r.wait));
    }
    if (r.effect != op_record::never) {
      answer += detail::format(" (in effect @%llu)", static_cast<unsigned long long>(r.effect));
    }
    std::string line = detail::format(
        "  %-3s [%3llu,%3llu]  %-14s -> %-26s", thread_name(r.thread).c_str(),
        static_cast<unsigned long long>(r.call), static_cast<unsigned long long>(r.ret),
        call_text(r).c_str(), answer.c_str());
    if (timeline) {
      line += ' ';
      for (std::uint64_t t = 0; t <= last; ++t) {
        line += t == r.call ? '[' : t == r.ret ? ']' : (t > r.call && t < r.ret) ? '=' : '.';
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    s += line + '\n';
  }

  const auto step_text = [&h, &v](std::size_t k) {
    const op_record& r = h.ops[v.order[k]];
    std::string t = detail::format("%zu. %s %s -> %s", k + 1, thread_name(r.thread).c_str(),
                                   call_text(r).c_str(), answer_text(r.kind, r.out).c_str());
    if (k > 0 && v.meets_next[k - 1]) t += "   (meets the send above: one point)";
    return t;
  };
  if (v.linearizable) {
    s += "linearizable, e.g. in this order:\n";
    for (std::size_t k = 0; k < v.length; ++k) s += detail::cat("  ", step_text(k), '\n');
    return s;
  }

  s += detail::format("NOT LINEARIZABLE (%zu search steps). ", v.steps);
  s += v.length == 0
           ? std::string("No operation can be linearized first.\n")
           : detail::format("Longest linearizable prefix, %zu of %zu operations:\n", v.length, h.n);
  channel_model m(h.capacity);
  std::uint64_t done = 0;
  for (std::size_t k = 0; k < v.length; ++k) {
    s += detail::cat("  ", step_text(k), '\n');
    const op_record& r = h.ops[v.order[k]];
    const bool met = v.meets_next[k] || (k > 0 && v.meets_next[k - 1]);
    if (!met) m.apply(r.kind, r.arg);
    done |= std::uint64_t{1} << v.order[k];
  }
  s += detail::format("then the model (size %zu%s%s) cannot place any of:\n", m.size(),
                      m.size() > 0 ? "" : ", empty", m.closed() ? ", closed" : ", open");
  std::uint64_t first_ret = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t i = 0; i < h.n; ++i) {
    if ((done & (std::uint64_t{1} << i)) == 0) first_ret = std::min(first_ret, h.ops[i].ret);
  }
  for (std::size_t k = 0; k < h.n; ++k) {
    const op_record& r = h.ops[idx[k]];
    if ((done & (std::uint64_t{1} << idx[k])) != 0 || r.call >= first_ret) continue;
    const std::optional<outcome> o = m.solo(r.kind, r.arg);
    std::string why = !o ? std::string("it cannot proceed alone here")
                         : detail::cat("the model answers ", answer_text(r.kind, *o), " here");
    if (h.capacity == 0 && (is_send(r.kind) || is_recv(r.kind)) && r.out.st == csp::status::ok) {
      why += ", and no concurrent partner completes the rendezvous";
    }
    s += detail::format("  %s %s -> %s: %s\n", thread_name(r.thread).c_str(), call_text(r).c_str(),
                        answer_text(r.kind, r.out).c_str(), why.c_str());
  }
  return s;
}

// The exactness of unbuffered try answers, which linearizability alone cannot judge (the
// stamps do not show that a partner was already waiting): checked where a history records when
// each blocking operation started waiting (op_record::wait).
//
// A blocking recv R certainly waits from its wait stamp until its partner could first have
// taken it: the call of the send whose value it received, or the moment the close that
// released it took effect (its `effect` stamp; its call, where the history has none).
// A try_send that answered `full` must have a point inside its [call, ret] interval at which no
// receiver certainly waits and, where the close's effect is stamped, that comes before it:
// once the close has taken effect the answer is `closed`. Likewise a try_recv that answered
// `empty`, with blocking sends. (Sound: every interval used is one the operation certainly
// spent waiting, so a correct channel never fails it; an answer given while a partner was
// leaving passes. Without the effect stamp, a `full` given while the close released the only
// receiver passes too: the close may have taken effect as soon as it was called.)
//
// Returns nullopt when the history passes, else which answer is inexact and why.
inline std::optional<std::string> exactness(const history& h) {
  using csp::status;
  if (h.capacity != 0) return std::nullopt;
  const auto ops = [&h](std::size_t i) -> const op_record& { return h.ops[i]; };
  std::uint64_t released = op_record::never;  // when the close took effect, at the latest
  std::uint64_t open_until = op_record::never;
  for (std::size_t i = 0; i < h.n; ++i) {
    const op_record& c = ops(i);
    if (c.kind != op_kind::close || c.out.st != status::ok) continue;
    released = c.effect != op_record::never ? c.effect : c.call;
    open_until = c.effect;
  }
  // Until when P certainly waits (exclusive).
  const auto until = [&](const op_record& p) {
    if (p.out.st != status::ok) return released;  // released by the close
    for (std::size_t i = 0; i < h.n; ++i) {
      const op_record& q = ops(i);
      if (q.out.st != status::ok) continue;
      if (p.kind == op_kind::recv && is_send(q.kind) && q.arg == p.out.value) return q.call;
      if (p.kind == op_kind::send && is_recv(q.kind) && q.out.value == p.arg) return q.call;
    }
    return p.ret;
  };
  for (std::size_t f = 0; f < h.n; ++f) {
    const op_record& a = ops(f);
    const bool full = a.kind == op_kind::try_send && a.out.st == status::full;
    const bool empty = a.kind == op_kind::try_recv && a.out.st == status::empty;
    if (!full && !empty) continue;
    const op_kind partner = full ? op_kind::recv : op_kind::send;
    // Points between consecutive stamps: s + 1/2 for s in [call, ret), before the close took
    // effect.
    bool free_point = false;
    std::size_t witness = h.n;
    for (std::uint64_t s = a.call; s < a.ret && s < open_until && !free_point; ++s) {
      free_point = true;
      for (std::size_t i = 0; i < h.n; ++i) {
        const op_record& p = ops(i);
        if (p.kind != partner || p.wait == op_record::never) continue;
        if (p.wait <= s && s < until(p)) {
          free_point = false;
          witness = i;
          break;
        }
      }
    }
    if (!free_point && witness == h.n) {
      return detail::format("%s %s [%llu,%llu] answered %s after the close took effect at %llu",
                            thread_name(a.thread).c_str(), call_text(a).c_str(),
                            static_cast<unsigned long long>(a.call),
                            static_cast<unsigned long long>(a.ret), to_string(a.out.st),
                            static_cast<unsigned long long>(open_until));
    }
    if (!free_point) {
      const op_record& p = ops(witness);
      return detail::format(
          "%s %s [%llu,%llu] answered %s while %s %s waited: findable from stamp %llu, and no "
          "partner could take it (nor the close release it) before %llu",
          thread_name(a.thread).c_str(), call_text(a).c_str(),
          static_cast<unsigned long long>(a.call), static_cast<unsigned long long>(a.ret),
          to_string(a.out.st), thread_name(p.thread).c_str(), call_text(p).c_str(),
          static_cast<unsigned long long>(p.wait), static_cast<unsigned long long>(until(p)));
    }
  }
  return std::nullopt;
}

}  // namespace csp_test
