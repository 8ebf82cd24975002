// models/rc11.hpp — an exhaustive checker of small litmus programs under RC11, the C++20 memory
// model, for the weakenings Relacy cannot show.
//
// Relacy explores interleavings: each thread runs in program order and a relaxed or acquire load
// may return an older store from the location's history. Two things follow that no Relacy model
// can ever exhibit, however deep its bound:
//  * A seq_cst load reads the latest store in Relacy, and a read-modify-write always does; so a
//    read-modify-write weakened from seq_cst to acq_rel (taken out of the single total order S)
//    behaves the same: the store buffering it allows needs a seq_cst load that reads an older
//    value while a newer, non-seq_cst write exists.
//  * S is the interleaving order. A release/acquire pair whose only job is to order two seq_cst
//    operations in S (A's seq_cst write before B's, because A's release hint was acquired by B)
//    is invisible: Relacy puts them in that order anyway.
// Both are real failures under the C++ memory model, and both appear here. This checker follows
// the axiomatic model of Lahav, Vafeiadis, Kang, Hur and Dreyer ("Repairing Sequential
// Consistency in C/C++11", PLDI 2017), which C++20 adopted (P0668), with C++20's release
// sequences (P0982: only read-modify-writes continue one). A program is a few threads of ordinary
// C++ that call load / store / read-modify-write on numbered locations; the checker enumerates
// every execution — the value each read returns, the write it reads from (rf), the modification
// order of each location (mo) — and keeps those that are consistent:
//    hb    = (sb ∪ sw)+, sw from a release write, through its release sequence, to an acquire
//            read that reads from it
//    eco   = (rf ∪ mo ∪ rb)+, with rb = rf⁻¹;mo
//    coherence   hb;eco? is irreflexive
//    atomicity   a read-modify-write reads the write just before it in mo
//    SC          psc = [SC];scb;[SC] is acyclic, scb = sb ∪ sb≠loc;hb;sb≠loc ∪ hb|loc ∪ mo ∪ rb
//    no thin air sb ∪ rf is acyclic
// and reports whether any of them shows the outcome the test calls bad, or a data race on a
// non-atomic location (undefined behaviour). Fences are not modelled: csp uses none.
//
// Threads are run again for every combination of values their reads may return (a depth-first
// search over the reads' values, from each location's declared domain), so a thread may branch
// on what it read, and `assume` cuts a path (an await: the thread waits until it sees a value).
//
// The checker is itself tested (litmus_model.cpp): the classic litmus tests — store buffering,
// message passing, load buffering, IRIW, coherence, atomicity, release sequences — must give the
// outcomes the paper gives for them, allowed and forbidden, before any protocol test is believed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace litmus {

enum class order { na, relaxed, acquire, release, acq_rel, seq_cst };

inline bool is_acquire(order o) {
  return o == order::acquire || o == order::acq_rel || o == order::seq_cst;
}
inline bool is_release(order o) {
  return o == order::release || o == order::acq_rel || o == order::seq_cst;
}

enum class kind { init, read, write, rmw };

struct event {
  kind k = kind::read;
  int thread = -1;  // -1: an initial write
  int loc = 0;
  order ord = order::relaxed;
  int rval = 0;  // the value read (read, rmw)
  int wval = 0;  // the value written (init, write, rmw)
  bool reads() const { return k == kind::read || k == kind::rmw; }
  bool writes() const { return k != kind::read; }
};

struct location {
  std::string name;
  int init = 0;
  int max = 1;  // reads may return 0 .. max
};

// What one run of one thread did: its events in program order and the values it noted.
struct path {
  std::vector<event> events;
  std::map<std::string, int> notes;
};

class thread_ctx {
 public:
  thread_ctx(int id, std::vector<int> guesses) : id_(id), guesses_(std::move(guesses)) {}

  struct need_guess {
    int loc;
  };
  struct discarded {};

  int load(int loc, order o) { return push(kind::read, loc, o, guess(loc), 0); }
  void store(int loc, int v, order o) { (void)push(kind::write, loc, o, 0, v); }
  int fetch_add(int loc, int v, order o) {
    return rmw(loc, o, [v](int x) { return x + v; });
  }
  int fetch_or(int loc, int v, order o) {
    return rmw(loc, o, [v](int x) { return x | v; });
  }
  int exchange(int loc, int v, order o) {
    return rmw(loc, o, [v](int) { return v; });
  }
  // compare_exchange_strong: on success a read-modify-write with `success`, on failure a read
  // with `failure` that stores the value read in `expected`.
  bool compare_exchange(int loc, int& expected, int desired, order success, order failure) {
    const int v = guess(loc);
    if (v == expected) {
      (void)push(kind::rmw, loc, success, v, desired);
      return true;
    }
    (void)push(kind::read, loc, failure, v, 0);
    expected = v;
    return false;
  }
  // Keeps only the runs in which `c` holds (an await, or a branch the test does not explore).
  void assume(bool c) {
    if (!c) throw discarded{};
  }
  // Records a value for the test's outcome predicate.
  void note(const std::string& key, int v) { run_.notes[key] = v; }

  path& run() { return run_; }

 private:
  template <class F>
  int rmw(int loc, order o, F f) {
    const int v = guess(loc);
    return push(kind::rmw, loc, o, v, f(v));
  }
  int guess(int loc) {
    if (next_ == guesses_.size()) throw need_guess{loc};
    return guesses_[next_++];
  }
  int push(kind k, int loc, order o, int rv, int wv) {
    run_.events.push_back(event{k, id_, loc, o, rv, wv});
    return rv;
  }

  int id_;
  std::vector<int> guesses_;
  std::size_t next_ = 0;
  path run_;
};

using thread_fn = std::function<void(thread_ctx&)>;
using outcome = std::map<std::string, int>;

struct program {
  std::vector<location> locs;
  std::vector<thread_fn> threads;
  // The outcome the test is about (a lost wake-up, a stale read, ...). A data race on a
  // non-atomic location counts as bad too.
  std::function<bool(const outcome&)> bad;
};

struct verdict {
  long executions = 0;  // consistent executions
  long bad = 0;         // of which show the bad outcome
  long races = 0;       // of which have a data race
  std::string example;  // the notes of one bad execution
  bool allowed() const { return bad + races > 0; }
};

namespace detail {

constexpr int max_events = 64;
using row = std::uint64_t;

struct rel {
  row r[max_events] = {};
  bool has(int a, int b) const { return (r[a] >> b) & 1u; }
  void add(int a, int b) { r[a] |= row{1} << b; }
};

inline void close_transitively(rel& m, int n) {
  for (int k = 0; k < n; ++k) {
    for (int i = 0; i < n; ++i) {
      if (m.has(i, k)) m.r[i] |= m.r[k];
    }
  }
}

inline bool acyclic(rel m, int n) {
  close_transitively(m, n);
  for (int i = 0; i < n; ++i) {
    if (m.has(i, i)) return false;
  }
  return true;
}

// Every run of thread `t`: a depth-first search over the values its reads return.
inline void runs_of(const program& p, int t, std::vector<int> prefix, std::vector<path>& out) {
  thread_ctx ctx(t, prefix);
  try {
    p.threads[static_cast<std::size_t>(t)](ctx);
  } catch (const thread_ctx::need_guess& g) {
    const location& l = p.locs[static_cast<std::size_t>(g.loc)];
    for (int v = 0; v <= l.max; ++v) {
      prefix.push_back(v);
      runs_of(p, t, prefix, out);
      prefix.pop_back();
    }
    return;
  } catch (const thread_ctx::discarded&) {
    return;
  }
  out.push_back(std::move(ctx.run()));
}

class checker {
 public:
  checker(const program& p, std::vector<event> ev, outcome notes)
      : p_(p), ev_(std::move(ev)), notes_(std::move(notes)), n_(static_cast<int>(ev_.size())) {
    if (n_ > max_events) throw std::logic_error("litmus: too many events");
    for (int i = 0; i < n_; ++i) {
      for (int j = 0; j < n_; ++j) {
        const event& a = ev_[static_cast<std::size_t>(i)];
        const event& b = ev_[static_cast<std::size_t>(j)];
        if (i != j && ((a.thread == -1 && b.thread != -1) || (a.thread == b.thread && i < j))) {
          sb_.add(i, j);
        }
      }
    }
    for (int i = 0; i < n_; ++i) {
      if (ev_[static_cast<std::size_t>(i)].reads()) readers_.push_back(i);
    }
    writers_.resize(p.locs.size());
    for (int i = 0; i < n_; ++i) {
      const event& e = ev_[static_cast<std::size_t>(i)];
      if (e.writes()) writers_[static_cast<std::size_t>(e.loc)].push_back(i);
    }
    for (auto& w : writers_) {  // the initial write first; permutations keep it there
      std::stable_sort(w.begin(), w.end(), [&](int a, int b) {
        return ev_[static_cast<std::size_t>(a)].thread == -1 &&
               ev_[static_cast<std::size_t>(b)].thread != -1;
      });
    }
    rf_.assign(static_cast<std::size_t>(n_), -1);
  }

  void run(verdict& v) {
    verdict_ = &v;
    mo_ = writers_;
    choose_rf(0);
  }

 private:
  void choose_rf(std::size_t k) {
    if (k == readers_.size()) {
      choose_mo(0);
      return;
    }
    const int r = readers_[k];
    const event& e = ev_[static_cast<std::size_t>(r)];
    for (int w : writers_[static_cast<std::size_t>(e.loc)]) {
      if (w == r || ev_[static_cast<std::size_t>(w)].wval != e.rval) continue;
      rf_[static_cast<std::size_t>(r)] = w;
      choose_rf(k + 1);
    }
  }

  void choose_mo(std::size_t loc) {
    if (loc == writers_.size()) {
      judge();
      return;
    }
    std::vector<int>& w = mo_[loc];
    auto first = w.begin() + 1;  // after the initial write
    std::sort(first, w.end());
    do {
      choose_mo(loc + 1);
    } while (std::next_permutation(first, w.end()));
  }

  void judge() {
    rel rf, mo, rb;
    std::vector<int> pos(static_cast<std::size_t>(n_), -1);
    for (const auto& w : mo_) {
      for (std::size_t i = 0; i < w.size(); ++i) {
        pos[static_cast<std::size_t>(w[i])] = static_cast<int>(i);
        for (std::size_t j = i + 1; j < w.size(); ++j) mo.add(w[i], w[j]);
      }
    }
    for (int r : readers_) {
      const int w = rf_[static_cast<std::size_t>(r)];
      rf.add(w, r);
      const event& e = ev_[static_cast<std::size_t>(r)];
      // Atomicity: a read-modify-write reads the write just before it in mo.
      if (e.k == kind::rmw &&
          pos[static_cast<std::size_t>(r)] != pos[static_cast<std::size_t>(w)] + 1) {
        return;
      }
      for (int x : writers_[static_cast<std::size_t>(e.loc)]) {
        if (x != r && mo.has(w, x)) rb.add(r, x);
      }
    }
    // No thin air.
    rel sbrf = sb_;
    for (int i = 0; i < n_; ++i) sbrf.r[i] |= rf.r[i];
    if (!acyclic(sbrf, n_)) return;
    // Release sequences (C++20): a write, then the read-modify-writes that read from one.
    rel rs;
    for (const auto& ws : writers_) {
      for (int w : ws) {
        rs.add(w, w);
        for (bool grew = true; grew;) {
          grew = false;
          for (int x : ws) {
            if (rs.has(w, x) || ev_[static_cast<std::size_t>(x)].k != kind::rmw) continue;
            if (rs.has(w, rf_[static_cast<std::size_t>(x)])) {
              rs.add(w, x);
              grew = true;
            }
          }
        }
      }
    }
    rel hb = sb_;
    for (int w = 0; w < n_; ++w) {
      const event& ew = ev_[static_cast<std::size_t>(w)];
      if (!ew.writes() || ew.thread == -1 || !is_release(ew.ord)) continue;
      for (int r : readers_) {
        const event& er = ev_[static_cast<std::size_t>(r)];
        if (is_acquire(er.ord) && rs.has(w, rf_[static_cast<std::size_t>(r)])) hb.add(w, r);
      }
    }
    close_transitively(hb, n_);
    rel eco = rf;
    for (int i = 0; i < n_; ++i) eco.r[i] |= mo.r[i] | rb.r[i];
    close_transitively(eco, n_);
    // Coherence: hb;eco? irreflexive.
    for (int a = 0; a < n_; ++a) {
      if (hb.has(a, a)) return;
      for (int b = 0; b < n_; ++b) {
        if (hb.has(a, b) && eco.has(b, a)) return;
      }
    }
    // SC: psc = [SC];scb;[SC] acyclic.
    rel psc;
    for (int a = 0; a < n_; ++a) {
      if (ev_[static_cast<std::size_t>(a)].ord != order::seq_cst) continue;
      for (int b = 0; b < n_; ++b) {
        if (ev_[static_cast<std::size_t>(b)].ord != order::seq_cst || a == b) continue;
        if (scb(a, b, hb, mo, rb)) psc.add(a, b);
      }
    }
    if (!acyclic(psc, n_)) return;
    // A consistent execution that writes a value its location's reads never guess: some
    // execution would then be missed. The test must declare a larger domain.
    for (const event& e : ev_) {
      if (e.writes() && (e.wval < 0 || e.wval > p_.locs[static_cast<std::size_t>(e.loc)].max)) {
        throw std::logic_error("litmus: a write leaves the domain of " +
                               p_.locs[static_cast<std::size_t>(e.loc)].name);
      }
    }
    ++verdict_->executions;
    bool race = false;
    for (int a = 0; a < n_ && !race; ++a) {
      for (int b = a + 1; b < n_; ++b) {
        const event& x = ev_[static_cast<std::size_t>(a)];
        const event& y = ev_[static_cast<std::size_t>(b)];
        if (x.thread == -1 || x.thread == y.thread || x.loc != y.loc) continue;
        if (!x.writes() && !y.writes()) continue;
        if (x.ord != order::na && y.ord != order::na) continue;
        if (!hb.has(a, b) && !hb.has(b, a)) {
          race = true;
          break;
        }
      }
    }
    const bool bad = p_.bad && p_.bad(notes_);
    if (race) ++verdict_->races;
    if (bad) ++verdict_->bad;
    if ((bad || race) && verdict_->example.empty()) {
      for (const auto& [k, val] : notes_) verdict_->example += k + "=" + std::to_string(val) + " ";
      if (race) verdict_->example += "(data race)";
    }
  }

  bool scb(int a, int b, const rel& hb, const rel& mo, const rel& rb) const {
    const event& x = ev_[static_cast<std::size_t>(a)];
    const event& y = ev_[static_cast<std::size_t>(b)];
    if (sb_.has(a, b) || mo.has(a, b) || rb.has(a, b)) return true;
    if (x.loc == y.loc && hb.has(a, b)) return true;
    // sb≠loc ; hb ; sb≠loc
    for (int c = 0; c < n_; ++c) {
      if (!sb_.has(a, c) || ev_[static_cast<std::size_t>(c)].loc == x.loc) continue;
      for (int d = 0; d < n_; ++d) {
        if ((c == d || hb.has(c, d)) && sb_.has(d, b) &&
            ev_[static_cast<std::size_t>(d)].loc != y.loc) {
          return true;
        }
      }
    }
    return false;
  }

  const program& p_;
  std::vector<event> ev_;
  outcome notes_;
  int n_;
  rel sb_;
  std::vector<int> readers_;
  std::vector<std::vector<int>> writers_;  // per location, the initial write first
  std::vector<std::vector<int>> mo_;       // the modification order being tried
  std::vector<int> rf_;
  verdict* verdict_ = nullptr;
};

inline void combine(const program& p, const std::vector<std::vector<path>>& runs, std::size_t t,
                    std::vector<const path*>& chosen, verdict& v) {
  if (t == runs.size()) {
    std::vector<event> ev;
    for (std::size_t l = 0; l < p.locs.size(); ++l) {
      ev.push_back(event{kind::init, -1, static_cast<int>(l), order::na, 0, p.locs[l].init});
    }
    outcome notes;
    for (const path* r : chosen) {
      ev.insert(ev.end(), r->events.begin(), r->events.end());
      notes.insert(r->notes.begin(), r->notes.end());
    }
    checker(p, std::move(ev), std::move(notes)).run(v);
    return;
  }
  for (const path& r : runs[t]) {
    chosen.push_back(&r);
    combine(p, runs, t + 1, chosen, v);
    chosen.pop_back();
  }
}

}  // namespace detail

// Every consistent execution of `p`, and how many of them are bad.
inline verdict check(const program& p) {
  std::vector<std::vector<path>> runs(p.threads.size());
  for (std::size_t t = 0; t < p.threads.size(); ++t) {
    detail::runs_of(p, static_cast<int>(t), {}, runs[t]);
  }
  verdict v;
  std::vector<const path*> chosen;
  detail::combine(p, runs, 0, chosen, v);
  return v;
}

}  // namespace litmus
