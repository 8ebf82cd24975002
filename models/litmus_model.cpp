// models/litmus_model.cpp — the orders Relacy cannot judge, judged under RC11 (models/rc11.hpp).
//
// Part 1 checks the checker: classic litmus tests with the outcomes the literature gives them.
// Part 2 distils each protocol step of csp whose order no Relacy model can catch into a litmus
// program, with the orders it ships. For every such test:
//   * with the shipped orders, no consistent execution shows the bad outcome (and some
//     execution exists: the program is not vacuous);
//   * with any one of its sites weakened one step (the mutant), some execution does;
//   * each site names the line of the library it stands for (an anchor: the code text of the
//     atomic operation) and the order written there, and the test fails if the header no longer
//     says that order.
// The anchor ties a litmus to the code's orders; the program itself is a hand distillation of
// the step, which a change to the protocol must carry over by hand. docs/memory_orders.md lists
// which site each test covers, and the argument behind each program.
// Part 3 records, with its expected verdicts, what the double collect's seq_cst is not needed
// for: the rows docs/memory_orders.md keeps open ("Not caught, kept").
#include <cctype>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rc11.hpp"

#ifndef CSP_SOURCE_DIR
#error "CSP_SOURCE_DIR: the project's root, to find the headers the sites name"
#endif

namespace {

using litmus::order;
using litmus::outcome;
using litmus::program;
using litmus::thread_ctx;

constexpr order na = order::na;
constexpr order rlx = order::relaxed;
constexpr order acq = order::acquire;
constexpr order rel = order::release;
constexpr order ar = order::acq_rel;
constexpr order sc = order::seq_cst;

const char* name(order o) {
  switch (o) {
    case order::na: return "non-atomic";
    case order::relaxed: return "relaxed";
    case order::acquire: return "acquire";
    case order::release: return "release";
    case order::acq_rel: return "acq_rel";
    case order::seq_cst: return "seq_cst";
  }
  return "?";
}

int failures = 0;

void report(bool ok, const std::string& what, const litmus::verdict& v) {
  std::printf("%s %-62s %5ld executions, %4ld bad%s%s\n", ok ? "[ok]  " : "[FAIL]", what.c_str(),
              v.executions, v.bad + v.races, v.example.empty() ? "" : ": ", v.example.c_str());
  if (!ok) ++failures;
}

// ---------------------------------------------------------------------------------------------
// Part 1: the checker against the classic litmus tests.

struct classic {
  std::string name;
  program prog;
  bool allowed;  // whether RC11 allows the outcome the test calls bad
};

// Store buffering: each thread writes one location and reads the other.
program store_buffering(order w, order r, bool rmw_first = false) {
  program p;
  p.locs = {{"x", 0, 1}, {"y", 0, 1}};
  p.threads = {[=](thread_ctx& t) {
                 if (rmw_first) {
                   (void)t.fetch_add(0, 1, w);
                 } else {
                   t.store(0, 1, w);
                 }
                 t.note("a", t.load(1, r));
               },
               [=](thread_ctx& t) {
                 t.store(1, 1, sc);
                 t.note("b", t.load(0, sc));
               }};
  p.bad = [](const outcome& o) { return o.at("a") == 0 && o.at("b") == 0; };
  return p;
}

// Message passing: data, then a flag; the reader sees the flag and reads the data.
program message_passing(order flag_w, order flag_r, order data) {
  program p;
  p.locs = {{"data", 0, 1}, {"flag", 0, 1}};
  p.threads = {[=](thread_ctx& t) {
                 t.store(0, 1, data);
                 t.store(1, 1, flag_w);
               },
               [=](thread_ctx& t) {
                 t.assume(t.load(1, flag_r) == 1);
                 t.note("d", t.load(0, data));
               }};
  p.bad = [](const outcome& o) { return o.at("d") == 0; };
  return p;
}

// The release sequence: a relaxed read-modify-write continues it (C++20), a plain store does not.
program release_sequence(bool rmw) {
  program p;
  p.locs = {{"data", 0, 1}, {"flag", 0, 2}};
  p.threads = {[](thread_ctx& t) {
                 t.store(0, 1, na);
                 t.store(1, 1, rel);
               },
               [=](thread_ctx& t) {
                 if (rmw) {
                   (void)t.fetch_add(1, 1, rlx);
                 } else {
                   t.assume(t.load(1, rlx) == 1);
                   t.store(1, 2, rlx);
                 }
               },
               [](thread_ctx& t) {
                 t.assume(t.load(1, acq) == 2);
                 t.note("d", t.load(0, na));
               }};
  p.bad = [](const outcome& o) { return o.at("d") == 0; };
  return p;
}

std::vector<classic> classics() {
  std::vector<classic> c;
  c.push_back({"SB, seq_cst", store_buffering(sc, sc), false});
  c.push_back({"SB, release stores / acquire loads", store_buffering(rel, acq), true});
  c.push_back({"SB, seq_cst loads after a relaxed store", store_buffering(rlx, sc), true});
  c.push_back({"SB, a seq_cst read-modify-write first", store_buffering(sc, sc, true), false});
  c.push_back({"SB, an acq_rel read-modify-write first", store_buffering(ar, sc, true), true});
  c.push_back({"MP, release / acquire", message_passing(rel, acq, na), false});
  c.push_back({"MP, relaxed flag: a data race", message_passing(rlx, acq, na), true});
  c.push_back({"MP, relaxed everything, atomic data", message_passing(rlx, rlx, rlx), true});
  c.push_back({"release sequence through a relaxed RMW", release_sequence(true), false});
  c.push_back({"no release sequence through a plain store", release_sequence(false), true});
  {  // Load buffering: no out-of-thin-air values (RC11 forbids sb ∪ rf cycles).
    program p;
    p.locs = {{"x", 0, 1}, {"y", 0, 1}};
    p.threads = {[](thread_ctx& t) {
                   t.note("a", t.load(0, rlx));
                   t.store(1, 1, rlx);
                 },
                 [](thread_ctx& t) {
                   t.note("b", t.load(1, rlx));
                   t.store(0, 1, rlx);
                 }};
    p.bad = [](const outcome& o) { return o.at("a") == 1 && o.at("b") == 1; };
    c.push_back({"LB, relaxed", p, false});
  }
  {  // Coherence of read-read: a newer value, then an older one.
    program p;
    p.locs = {{"x", 0, 1}};
    p.threads = {[](thread_ctx& t) { t.store(0, 1, rlx); },
                 [](thread_ctx& t) {
                   t.note("a", t.load(0, rlx));
                   t.note("b", t.load(0, rlx));
                 }};
    p.bad = [](const outcome& o) { return o.at("a") == 1 && o.at("b") == 0; };
    c.push_back({"CoRR, relaxed", p, false});
  }
  {  // Atomicity: two increments cannot both read 0.
    program p;
    p.locs = {{"x", 0, 2}};
    p.threads = {[](thread_ctx& t) { t.note("a", t.fetch_add(0, 1, rlx)); },
                 [](thread_ctx& t) { t.note("b", t.fetch_add(0, 1, rlx)); }};
    p.bad = [](const outcome& o) { return o.at("a") == 0 && o.at("b") == 0; };
    c.push_back({"two relaxed increments", p, false});
  }
  for (const order o : {acq, sc}) {  // IRIW: readers disagree on the order of two writes.
    program p;
    p.locs = {{"x", 0, 1}, {"y", 0, 1}};
    const order w = o == sc ? sc : rel;
    p.threads = {[=](thread_ctx& t) { t.store(0, 1, w); }, [=](thread_ctx& t) { t.store(1, 1, w); },
                 [=](thread_ctx& t) {
                   t.note("a", t.load(0, o));
                   t.note("b", t.load(1, o));
                 },
                 [=](thread_ctx& t) {
                   t.note("c", t.load(1, o));
                   t.note("d", t.load(0, o));
                 }};
    p.bad = [](const outcome& o2) {
      return o2.at("a") == 1 && o2.at("b") == 0 && o2.at("c") == 1 && o2.at("d") == 0;
    };
    c.push_back({o == sc ? "IRIW, seq_cst" : "IRIW, acquire", p, o != sc});
  }
  {  // WRC: causality through a release/acquire chain, and without its middle release.
    for (const order mid : {rel, rlx}) {
      program p;
      p.locs = {{"x", 0, 1}, {"y", 0, 1}};
      p.threads = {[](thread_ctx& t) { t.store(0, 1, rel); },
                   [=](thread_ctx& t) {
                     t.assume(t.load(0, acq) == 1);
                     t.store(1, 1, mid);
                   },
                   [](thread_ctx& t) {
                     t.assume(t.load(1, acq) == 1);
                     t.note("a", t.load(0, rlx));
                   }};
      p.bad = [](const outcome& o) { return o.at("a") == 0; };
      c.push_back(
          {mid == rel ? "WRC, release / acquire throughout" : "WRC, a relaxed store in the middle",
           p, mid != rel});
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Part 2: csp's protocol steps.

struct site {
  std::string key;     // the test's name for it
  std::string file;    // under primitives/include
  std::string anchor;  // the code text of the operation, unique in the file
  order shipped;       // the order the code has there
  order weakened;      // one step weaker: the mutant
};

using orders = std::map<std::string, order>;

struct protocol {
  std::string name;
  std::string bad;  // what the bad outcome means
  std::vector<site> sites;
  std::function<program(const orders&)> make;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The order the code has at the site: the first std::memory_order_ after the anchor.
bool code_has(const site& s, std::string& found) {
  const std::string text = read_file(std::string(CSP_SOURCE_DIR) + "/primitives/include/" + s.file);
  const std::size_t at = text.find(s.anchor);
  if (at == std::string::npos || text.find(s.anchor, at + 1) != std::string::npos) {
    found = "anchor missing or not unique";
    return false;
  }
  const std::string tag = "std::memory_order_";
  const std::size_t o = text.find(tag, at);
  if (o == std::string::npos) {
    found = "no memory order after the anchor";
    return false;
  }
  std::size_t end = o + tag.size();
  while (end < text.size() &&
         (std::isalpha(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
    ++end;
  }
  found = text.substr(o + tag.size(), end - o - tag.size());
  return found == name(s.shipped);
}

void run(const protocol& p) {
  orders shipped;
  for (const site& s : p.sites) shipped[s.key] = s.shipped;
  const litmus::verdict v = litmus::check(p.make(shipped));
  report(!v.allowed() && v.executions > 0, p.name + ": shipped", v);
  for (const site& s : p.sites) {
    std::string found;
    if (!code_has(s, found)) {
      std::printf("[FAIL] %s: %s in %s says %s, the litmus assumes %s\n", p.name.c_str(),
                  s.key.c_str(), s.file.c_str(), found.c_str(), name(s.shipped));
      ++failures;
    }
    orders weak = shipped;
    weak[s.key] = s.weakened;
    const litmus::verdict m = litmus::check(p.make(weak));
    report(m.allowed(),
           "  mutant " + s.key + " " + name(s.shipped) + " -> " + name(s.weakened) +
               (m.allowed() ? ": " + p.bad : ": NOT CAUGHT"),
           m);
  }
}

// The waiter queue's Dekker (detail/waiter_queue.hpp): the notifier changes the condition (N1)
// and reads the queue's state (Q2); the waiter counts itself in with the enlisting
// compare-exchange (Q1) and re-checks the condition (C). Bad: Q2 sees no waiter and C misses
// N1 — the waiter sleeps with nobody to wake it.
protocol waiter_queue_dekker() {
  protocol p;
  p.name = "waiter queue: enlist (Q1) against notify (Q2)";
  p.bad = "the notify skips, the re-check misses";
  const std::string f = "csp/detail/waiter_queue.hpp";
  p.sites = {{"Q1", f, "if (state_.compare_exchange_strong(s, mine,", sc, ar},
             {"Q2", f, "void notify(bool everyone) noexcept {", sc, acq}};
  p.make = [](const orders& o) {
    program g;
    g.locs = {{"cond", 0, 1}, {"state", 0, 1}};
    g.threads = {[o](thread_ctx& t) {
                   t.store(0, 1, sc);  // N1: the ring's publish (a seq_cst compare-exchange)
                   t.note("q2", t.load(1, o.at("Q2")));
                 },
                 [o](thread_ctx& t) {
                   int s = 0;
                   t.assume(t.compare_exchange(1, s, 1, o.at("Q1"), rlx));
                   t.note("c", t.load(0, sc));
                 }};
    g.bad = [](const outcome& r) { return r.at("q2") == 0 && r.at("c") == 0; };
    return g;
  };
  return p;
}

// The owed notify (detail/waiter_queue.hpp): a notifier that finds the lock held records a debt
// with a release compare-exchange; the holder takes it with an acquire one and unparks the
// waiter (parker P1 release, P2 acquire), which re-reads the condition with a seq_cst load.
// Bad: the woken waiter misses N1 — it re-enlists and sleeps, and the notify is spent.
protocol waiter_queue_debt() {
  protocol p;
  p.name = "waiter queue: an owed notify, paid by the holder";
  p.bad = "the woken waiter misses the change";
  const std::string f = "csp/detail/waiter_queue.hpp";
  p.sites = {{"owe", f, "if (state_.compare_exchange_strong(s, debt,", rel, rlx},
             {"pay", f, "if (!state_.compare_exchange_strong(s, paid,", acq, rlx}};
  p.make = [](const orders& o) {
    program g;
    // state: 1 locked by the holder, 2 locked with a debt, 0 unlocked
    g.locs = {{"cond", 0, 1}, {"state", 1, 2}, {"parker", 0, 1}};
    g.threads = {[o](thread_ctx& t) {
                   t.store(0, 1, sc);  // N1
                   int s = 1;
                   t.assume(t.compare_exchange(1, s, 2, o.at("owe"), rlx));
                 },
                 [o](thread_ctx& t) {
                   int s = 2;
                   t.assume(t.compare_exchange(1, s, 0, o.at("pay"), rlx));
                   t.store(2, 1, rel);  // unpark: P1
                 },
                 [](thread_ctx& t) {
                   t.assume(t.load(2, acq) == 1);  // P2
                   t.note("c", t.load(0, sc));
                 }};
    g.bad = [](const outcome& r) { return r.at("c") == 0; };
    return g;
  };
  return p;
}

// ---- ring.hpp ---------------------------------------------------------------------------------

// The tail hint (ring.hpp S0, S0'): a sender publishes position 0 and stores the hint 1; the
// next sender starts at the hint, publishes position 1 and then, in the same thread, a
// try_recv reads position 0's word (the head). Bad: it finds 0 unpublished and answers `empty`
// while the buffer holds a value its own thread sent — the hint pair is what puts the two
// publishes into the total order in position order.
protocol ring_tail_hint() {
  protocol p;
  p.name = "ring: publishes in position order (the tail hint)";
  p.bad = "try_recv says empty after a completed send";
  const std::string f = "csp/lock_free/ring.hpp";
  p.sites = {{"advance_tail", f, "tail_.store(next(t),", rel, rlx},
             {"tail_hint", f, "return tail_.load(", acq, rlx}};
  p.make = [](const orders& o) {
    program g;
    g.locs = {{"word0", 0, 1}, {"word1", 0, 1}, {"tail", 0, 1}};
    g.threads = {[o](thread_ctx& t) {
                   int e = 0;
                   t.assume(t.compare_exchange(0, e, 1, sc, rlx));  // publish position 0
                   t.store(2, 1, o.at("advance_tail"));
                 },
                 [o](thread_ctx& t) {
                   t.assume(t.load(2, o.at("tail_hint")) == 1);
                   int e = 0;
                   t.assume(t.compare_exchange(1, e, 1, sc, rlx));  // publish position 1
                   t.note("head", t.load(0, sc));                   // try_recv's R1 at head 0
                 }};
    g.bad = [](const outcome& r) { return r.at("head") == 0; };
    return g;
  };
  return p;
}

// The head hint: claims in position order. Capacity 2, both positions published; a receiver
// claims position 0 and stores the head hint 1; the next receiver starts there, claims
// position 1 and then, in the same thread, a try_send reads the frontier word (index 0, lap
// 1). Bad: it still holds position 0's value, so try_send answers `full` after both values
// were received.
protocol ring_head_hint() {
  protocol p;
  p.name = "ring: claims in position order (the head hint)";
  p.bad = "try_send says full after the buffer was emptied";
  const std::string f = "csp/lock_free/ring.hpp";
  p.sites = {{"advance_head", f, "head_.store(next(h),", rel, rlx},
             {"head_hint", f, "return head_.load(", acq, rlx}};
  p.make = [](const orders& o) {
    program g;
    // A word: 1 = published (this lap), 2 = empty (next lap).
    g.locs = {{"word0", 1, 2}, {"word1", 1, 2}, {"head", 0, 1}};
    g.threads = {[o](thread_ctx& t) {
                   int e = 1;
                   t.assume(t.compare_exchange(0, e, 2, sc, rlx));  // claim position 0
                   t.store(2, 1, o.at("advance_head"));
                 },
                 [o](thread_ctx& t) {
                   t.assume(t.load(2, o.at("head_hint")) == 1);
                   int e = 1;
                   t.assume(t.compare_exchange(1, e, 2, sc, rlx));  // claim position 1
                   t.note("frontier", t.load(0, sc));               // try_send at position 2
                 }};
    g.bad = [](const outcome& r) { return r.at("frontier") == 1; };
    return g;
  };
  return p;
}

// A watching select's re-check (ring.hpp recv_ready / send_ready, the C of
// detail/watch_list.hpp): the operation makes its change N1 (a publish or a claim) and reads
// the watch count (W2); the select counts itself in (W1) and re-reads the word. Bad: W2 sees
// no watcher and the re-check misses N1 — the select sleeps on a ready case.
protocol ring_watch(bool recv) {
  protocol p;
  p.name = recv ? "ring: a select watching for a value (recv_ready)"
                : "ring: a select watching for room (send_ready)";
  p.bad = "the notify skips, the re-check misses";
  p.sites = {
      {"recheck", "csp/lock_free/ring.hpp",
       recv ? "bool recv_ready() const noexcept {" : "bool send_ready() const noexcept {", sc, acq},
      {"W1", "csp/detail/watch_list.hpp", "count_.fetch_add(1,", sc, ar},
      {"W2", "csp/detail/watch_list.hpp", "if (count_.load(", sc, acq}};
  p.make = [recv](const orders& o) {
    program g;
    // The word: recv: 0 empty, 1 published. send: 1 published (full), 2 claimed.
    const int before = recv ? 0 : 1;
    const int after = recv ? 1 : 2;
    g.locs = {{"word", before, 2}, {"count", 0, 1}};
    g.threads = {[=](thread_ctx& t) {
                   int e = before;
                   t.assume(t.compare_exchange(0, e, after, sc, rlx));  // N1
                   t.note("w2", t.load(1, o.at("W2")));
                 },
                 [=](thread_ctx& t) {
                   (void)t.fetch_add(1, 1, o.at("W1"));
                   t.note("c", t.load(0, o.at("recheck")) == after ? 1 : 0);
                 }};
    g.bad = [](const outcome& r) { return r.at("w2") == 0 && r.at("c") == 0; };
    return g;
  };
  return p;
}

// size() (ring.hpp): a double collect over the first unclaimed position and the frontier, with
// seq_cst loads. Capacity 2, position 0 published: a sender publishes position 1 while a
// receiver claims position 0. One size() sees both published (answers 2: the send came
// first), another sees position 0 claimed and position 1 empty (answers 0: the receive came
// first). Both answers cannot be linearized: IRIW, which seq_cst loads forbid and acquire
// loads allow.
protocol ring_size() {
  protocol p;
  p.name = "ring: size() is linearizable (IRIW)";
  p.bad = "two size() calls see the send and the receive in opposite orders";
  const std::string f = "csp/lock_free/ring.hpp";
  p.sites = {{"frontier", f, "std::uint64_t frontier(std::uint64_t t) const noexcept {", sc, acq},
             {"first_unclaimed", f, "std::uint64_t first_unclaimed() const noexcept {", sc, acq}};
  p.make = [](const orders& o) {
    program g;
    // word0: 1 position 0 published, 2 claimed (empty for position 2). word1: 0 empty, 1
    // position 1 published.
    g.locs = {{"word0", 1, 2}, {"word1", 0, 1}};
    const order fu = o.at("first_unclaimed");
    const order fr = o.at("frontier");
    g.threads = {[](thread_ctx& t) {
                   int e = 0;
                   t.assume(t.compare_exchange(1, e, 1, sc, rlx));  // send: publish position 1
                 },
                 [](thread_ctx& t) {
                   int e = 1;
                   t.assume(t.compare_exchange(0, e, 2, sc, rlx));  // receive: claim position 0
                 },
                 [=](thread_ctx& t) {            // size(): the walk of an answer 2
                   const int a = t.load(0, fu);  // first unclaimed: 0
                   const int b = t.load(0, fr);  // frontier walk: 0 published,
                   const int c = t.load(1, fr);  // 1 published,
                   const int d = t.load(0, fr);  // 2 behind the previous lap: frontier 2
                   const int e = t.load(0, fu);  // first unclaimed again: 0, unchanged
                   t.note("two", a == 1 && b == 1 && c == 1 && d == 1 && e == 1 ? 1 : 0);
                 },
                 [=](thread_ctx& t) {            // size(): the walk of an answer 0
                   const int a = t.load(0, fu);  // position 0 claimed: go on to 1,
                   const int b = t.load(1, fu);  // unpublished: first unclaimed 1
                   const int c = t.load(1, fr);  // frontier 1
                   const int d = t.load(0, fu);  // first unclaimed again,
                   const int e = t.load(1, fu);  // 1, unchanged
                   t.note("zero", a == 2 && b == 0 && c == 0 && d == 2 && e == 0 ? 1 : 0);
                 }};
    g.bad = [](const outcome& r) { return r.at("two") == 1 && r.at("zero") == 1; };
    return g;
  };
  return p;
}

// The overflow free stack's pop (ring.hpp overflow_pop): it reads the top, then the top slot's
// next_free (relaxed), then swings the top with an acquire compare-exchange. A pusher wrote
// next_free and pushed with a release compare-exchange. The compare-exchange reads the same
// push (the tag makes equal values the same write), but it comes after the next_free load:
// only the first load's acquire orders that load after the pusher's write. Bad: the pop
// installs a stale next_free as the new top.
protocol ring_overflow_pop() {
  protocol p;
  p.name = "ring: the overflow stack's pop reads next_free after the push";
  p.bad = "the pop installs a stale next_free";
  const std::string f = "csp/lock_free/ring.hpp";
  p.sites = {{"top", f, "std::uint32_t overflow_pop() {", acq, rlx}};
  p.make = [](const orders& o) {
    program g;
    // top: 0 empty, 1 slot k pushed, 2 popped. next: 1 an older link, 2 the pusher's.
    g.locs = {{"top", 0, 2}, {"next", 1, 2}};
    g.threads = {[](thread_ctx& t) {
                   t.store(1, 2, rlx);  // storage(k).next_free = below
                   int e = 0;
                   t.assume(t.compare_exchange(0, e, 1, rel, rlx));
                 },
                 [o](thread_ctx& t) {
                   t.assume(t.load(0, o.at("top")) == 1);
                   const int below = t.load(1, rlx);
                   int e = 1;
                   t.assume(t.compare_exchange(0, e, 2, acq, acq));
                   t.note("below", below);
                 }};
    g.bad = [](const outcome& r) { return r.at("below") != 2; };
    return g;
  };
  return p;
}

// ---- rendezvous.hpp ---------------------------------------------------------------------------

// A linker against close (rendezvous.hpp L1, L2, K1, K2): the previous lap frees the cell, a
// party links in it (L1) and re-checks the closed flag (L2) and its partner's counter; close
// sets the flag (K1), cuts the partner's counter (K2) and its sweep reads the cell (seal). Bad:
// the sweep sees the previous lap and leaves the cell to the linker's re-check, and the re-check
// misses the close — the party waits for a partner that never comes.
protocol rendezvous_link_close(bool select) {
  protocol p;
  p.name = select ? "rendezvous: a select's link (enlist) against close"
                  : "rendezvous: a blocked link (L1) against close";
  p.bad = "close and the linker both miss each other";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {
      {"L1", f, select ? "w, make_word(p, select_of(my_state))," : "w, make_word(p, linked),", sc,
       ar},
      {"seal", f, "void seal(std::uint64_t p) noexcept {", sc, acq},
      {"cut", f, "const std::uint64_t before = counter.fetch_or(", sc, ar}};
  p.make = [](const orders& o) {
    program g;
    // word: 0 the previous lap, 1 empty (this lap), 2 linked. cut: 1 once close cut the
    // partner's counter.
    g.locs = {{"word", 0, 2}, {"closed", 0, 1}, {"cut", 0, 1}};
    g.threads = {[](thread_ctx& t) { t.store(0, 1, sc); },  // free_cell() of the previous lap
                 [o](thread_ctx& t) {
                   int e = 1;
                   t.assume(t.compare_exchange(0, e, 2, o.at("L1"), rlx));
                   const int closed = t.load(1, sc);  // L2: closed_now()
                   t.note("sees_cut", closed == 1 && t.load(2, sc) == 1 ? 1 : 0);  // cut()
                 },
                 [o](thread_ctx& t) {
                   (void)t.exchange(1, 1, sc);           // K1
                   (void)t.fetch_or(2, 1, o.at("cut"));  // K2
                   t.note("swept", t.load(0, o.at("seal")));
                 }};
    g.bad = [](const outcome& r) { return r.at("swept") == 0 && r.at("sees_cut") == 0; };
    return g;
  };
  return p;
}

// A select watching the rendezvous (watch_ready, the C of detail/watch_list.hpp): a party
// draws its position on its counter, links in the cell (L1) and notifies (W2); the select
// counts itself in (W1), reads the partner's counter (hi) and scans the cell. Bad: the notify
// sees no watcher and the select's re-check misses the party — it sleeps beside a partner.
protocol rendezvous_watch_link() {
  protocol p;
  p.name = "rendezvous: a select watching for a partner (watch_ready)";
  p.bad = "the notify skips, the re-check misses the waiting party";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {
      {"hi", f, "const std::uint64_t hi = theirs.load(std::memory_order_seq_cst);  // as", sc, acq},
      {"scan", f, "// seq_cst: the re-check of a link (L1) that the notify may have", sc, acq}};
  p.make = [](const orders& o) {
    program g;
    g.locs = {{"counter", 0, 1}, {"word", 0, 1}, {"count", 0, 1}};
    g.threads = {[](thread_ctx& t) {
                   (void)t.fetch_add(0, 1, sc);  // the draw of position 0
                   int e = 0;
                   t.assume(t.compare_exchange(1, e, 1, sc, rlx));  // L1
                   t.note("w2", t.load(2, sc));                     // watch_.notify_all()
                 },
                 [o](thread_ctx& t) {
                   (void)t.fetch_add(2, 1, sc);  // W1
                   const int hi = t.load(0, o.at("hi"));
                   t.note("found", hi == 1 && t.load(1, o.at("scan")) == 1 ? 1 : 0);
                 }};
    g.bad = [](const outcome& r) { return r.at("w2") == 0 && r.at("found") == 0; };
    return g;
  };
  return p;
}

// The same re-check for a free: the previous lap frees the cell of the select's next position
// (free_cell(), then W2); the select (W1) re-reads that cell. Bad: it sleeps while the cell it
// would draw is free.
protocol rendezvous_watch_free() {
  protocol p;
  p.name = "rendezvous: a select watching for a free cell (watch_ready)";
  p.bad = "the notify skips, the re-check misses the free";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {{"free", f, "void free_cell(std::uint64_t p) noexcept {", sc, rel},
             {"recheck", f, "// seq_cst: the re-check of a free (free_cell) that the notify may",
              sc, acq}};
  p.make = [](const orders& o) {
    program g;
    g.locs = {{"word", 0, 1}, {"count", 0, 1}};  // word: 0 the previous lap, 1 free
    g.threads = {[o](thread_ctx& t) {
                   t.store(0, 1, o.at("free"));
                   t.note("w2", t.load(1, sc));  // watch_.notify_all()
                 },
                 [o](thread_ctx& t) {
                   (void)t.fetch_add(1, 1, sc);  // W1
                   t.note("free", t.load(0, o.at("recheck")));
                 }};
    g.bad = [](const outcome& r) { return r.at("w2") == 0 && r.at("free") == 0; };
    return g;
  };
  return p;
}

// The same re-check for the cell of the next position: which cell depends on our own counter
// (`lo`), so a stale `lo` re-checks a cell an earlier lap used. One cell (W = 1): a party of our
// side draws position 0 (our counter 0 -> 1; a blocked operation's fetch_add or a select's
// compare-exchange) and links; its partner claims it, and the pair frees the cell for position
// 1 (free_cell(), then W2). Or a sweep (sweep(): a try operation's, or a withdrawing party's,
// W) draws position 0 for a party that left it and frees the cell itself. The select (W1)
// reads our counter and the cell of that position. Bad: the notify sees no watcher, and the
// select reads position 0 and the cell already freed past it — it sleeps while the cell of its
// next position is free. The draw's place in S is what puts it before `lo`: the free follows
// the draw only in happens-before. (The sweep's draw was relaxed until 2026-12-01.)
enum class drawer { blocked, select, sweep };

protocol rendezvous_watch_next(drawer d) {
  protocol p;
  p.name = d == drawer::blocked ? "rendezvous: a blocked draw, then the watcher's lo (watch_ready)"
           : d == drawer::select
               ? "rendezvous: a select's draw, then the watcher's lo (watch_ready)"
               : "rendezvous: a sweep's draw, then the watcher's lo (watch_ready)";
  p.bad = "the notify skips, the re-check reads an earlier lap's cell";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {{"draw", f,
              d == drawer::blocked  ? "drawn = mine.fetch_add(1, std::memory_order_seq_cst);"
              : d == drawer::select ? "if (!mine.compare_exchange_strong(cur, cur + 1,"
                                    : "if (!mine.compare_exchange_strong(expected, p + 1,",
              sc, ar},
             {"lo", f, "bool watch_ready(std::uint32_t my_state, bool watch_only, std::uint64_t",
              sc, acq}};
  p.make = [d](const orders& o) {
    program g;
    // counter: our side's next position. link: the drawer's link. cell: the stamp of the one
    // cell (0: position 0, in use; 1: freed for position 1).
    g.locs = {{"counter", 0, 1}, {"link", 0, 1}, {"cell", 0, 1}, {"count", 0, 1}};
    const auto freed = [](thread_ctx& t) {
      t.store(2, 1, sc);            // free_cell()
      t.note("w2", t.load(3, sc));  // watch_.notify_all()
    };
    g.threads = {[d, o, freed](thread_ctx& t) {
                   if (d == drawer::blocked) {
                     (void)t.fetch_add(0, 1, o.at("draw"));
                   } else {  // the draw of position 0
                     int cur = 0;
                     t.assume(t.compare_exchange(0, cur, 1, o.at("draw"), rlx));
                   }
                   if (d == drawer::sweep) {
                     freed(t);
                     return;
                   }
                   int e = 0;
                   t.assume(t.compare_exchange(1, e, 1, sc, rlx));  // L1
                 },
                 [o](thread_ctx& t) {
                   (void)t.fetch_add(3, 1, sc);  // W1
                   const int lo = t.load(0, o.at("lo"));
                   const int stamp = t.load(2, sc);  // the re-check of the free
                   t.note("ready", stamp == lo ? 1 : 0);
                 }};
    if (d != drawer::sweep) {
      g.threads.push_back([freed](thread_ctx& t) {
        t.assume(t.load(1, acq) == 1);  // the partner meets the link
        freed(t);                       // the pair frees the cell
      });
    }
    g.bad = [](const outcome& r) { return r.at("w2") == 0 && r.at("ready") == 0; };
    return g;
  };
  return p;
}

// A party waiting for its cell (rendezvous.hpp draw_when_free(), wait_for_cell()): the event
// count's re-check against free_cell()'s store (N1) and its notify's read of the waiters (N2,
// detail/eventcount.hpp). One cell (W = 1), used by position 0's pair; the waiter wants
// position 1. A timed party read our counter (1) and the cell in use, draws nothing yet, counts
// itself in (E1) and re-reads the counter (`now`) and the cell (C): it sleeps if the counter
// still reads 1 and the cell is not position 1's. An untimed party drew position 1 and re-reads
// the cell only. The pair frees the cell for position 1; with `moved`, another party of our
// side then draws position 1 and its pair frees the cell for position 2, so the counter moved
// on, and only `now` can tell the timed party to look at position 2. Bad: the notify sees no
// waiter and the re-check sends the party to sleep beside a free cell.
enum class cell_waiter { timed, timed_moved, untimed };

protocol rendezvous_cell_wait(cell_waiter k) {
  protocol p;
  p.name = k == cell_waiter::timed     ? "rendezvous: a timed party re-checks its cell (C)"
           : k == cell_waiter::untimed ? "rendezvous: an untimed party re-checks its cell (C)"
                                       : "rendezvous: a timed party re-checks the counter (now)";
  p.bad = "the notify skips, the re-check sleeps beside a free cell";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {
      k == cell_waiter::timed
          ? site{"C", f, "at(cell_of(cur).word.load(std::memory_order_seq_cst), cur)) {", sc, acq}
      : k == cell_waiter::untimed
          ? site{"C", f, "if (cell_of(p).word.load(std::memory_order_seq_cst) != seen ||", sc, acq}
          : site{"now", f, "const std::uint64_t now = mine.load(std::memory_order_seq_cst);", sc,
                 acq}};
  p.make = [k](const orders& o) {
    program g;
    // counter: our side's next position (1: position 0 drawn). cell: the stamp of the position
    // it is free for (0: in use by position 0).
    g.locs = {{"counter", 1, 2}, {"cell", 0, 2}, {"waiters", 0, 1}};
    const bool moved = k == cell_waiter::timed_moved;
    const order now_order = moved ? o.at("now") : sc;
    const order c_order = moved ? sc : o.at("C");
    g.threads = {[moved](thread_ctx& t) {
                   t.store(1, 1, sc);  // N1: free_cell() for position 1
                   if (moved) {
                     (void)t.fetch_add(0, 1, sc);  // another party draws position 1
                     t.store(1, 2, sc);            // its pair frees the cell for position 2
                   }
                   t.note("n2", t.load(2, sc));  // N2: cell_freed_.notify_all()
                 },
                 [k, now_order, c_order](thread_ctx& t) {
                   (void)t.fetch_add(2, 1, sc);  // E1: cell_freed_.prepare()
                   const int now = k == cell_waiter::untimed ? 1 : t.load(0, now_order);
                   const int stamp = t.load(1, c_order);
                   t.note("sleeps", now == 1 && stamp != 1 ? 1 : 0);
                 }};
    g.bad = [](const outcome& r) { return r.at("n2") == 0 && r.at("sleeps") == 1; };
    return g;
  };
  return p;
}

// A cell a try operation served, swept and reused (rendezvous.hpp sweep()): the try operation
// reads the waiter's fields in the cell and marks it skip (release); the sweep reads the mark,
// takes the position on our counter and frees the cell; the next lap's party reads the free
// and fills the cell's fields. Bad: the fill races with the try operation's read.
protocol rendezvous_sweep() {
  protocol p;
  p.name = "rendezvous: a skipped cell, swept and reused by the next lap";
  p.bad = "the next lap's fill races the try operation's read";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {
      {"sweep", f, "void sweep(typename B::template atomic<std::uint64_t>& mine,", acq, rlx}};
  p.make = [](const orders& o) {
    program g;
    // word: 0 busy (the try operation holds it), 1 skip, 2 freed for the next lap.
    g.locs = {{"word", 0, 2}, {"field", 0, 1}, {"counter", 0, 1}};
    g.threads = {[](thread_ctx& t) {
                   (void)t.load(1, na);  // transfer(): the waiter's destination, in the cell
                   t.store(0, 1, rel);   // leave(): the skip mark
                 },
                 [o](thread_ctx& t) {
                   t.assume(t.load(0, o.at("sweep")) == 1);
                   int e = 0;
                   t.assume(t.compare_exchange(2, e, 1, sc, rlx));  // our counter past p
                   t.store(0, 2, sc);                               // free_cell()
                 },
                 [](thread_ctx& t) {
                   t.assume(t.load(0, acq) == 2);  // the next lap's drawer sees the free
                   t.store(1, 1, na);              // fill()
                 }};
    g.bad = [](const outcome&) { return false; };  // a data race is bad by itself
    return g;
  };
  return p;
}

// A try operation's collect against a close that cancels a waiter (try_pair's D3, seal()): a
// waiter is linked at p; close sets the flag (K1), and its sweep cancels the waiter — the
// claim through busy, then `sealed`. A try operation that read the counters uncut scans the
// cell, and if the waiter is gone re-reads the flag (D3) before it answers. Bad: the scan saw
// the waiter gone and D3 missed the close — `full`, though the waiter waited until the close
// took effect.
protocol rendezvous_seal_collect() {
  protocol p;
  p.name = "rendezvous: a try operation passes a waiter the close cancelled (D3)";
  p.bad = "the scan sees the waiter gone and the re-check misses the close";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {{"cancel", f, "// release: a try operation whose scan reads `busy` here passes over",
              rel, rlx},
             {"sealed", f, "c.word.store(make_word(p, sealed),", rel, rlx}};
  p.make = [](const orders& o) {
    program g;
    // word: 1 the waiter linked, 2 busy (the seal's claim), 3 sealed.
    g.locs = {{"closed", 0, 1}, {"word", 1, 3}};
    g.threads = {[o](thread_ctx& t) {
                   (void)t.exchange(0, 1, sc);    // K1 (then the cuts)
                   t.assume(t.load(1, sc) == 1);  // seal(): the load (K2)
                   int e = 1;
                   t.assume(t.compare_exchange(1, e, 2, o.at("cancel"), rlx));
                   t.store(1, 3, o.at("sealed"));
                 },
                 [](thread_ctx& t) {
                   t.note("gone", t.load(1, sc) != 1 ? 1 : 0);  // the scan
                   t.note("d3", t.load(0, sc));                 // closed_now()
                 }};
    g.bad = [](const outcome& r) { return r.at("gone") == 1 && r.at("d3") == 0; };
    return g;
  };
  return p;
}

// A seal of an empty cell carries the close to the party that arrives later (S4): close writes
// something before close() and seals position p (no party there yet); p's party, which drew
// before its own counter's cut (so its draw carries nothing), finds `sealed` and returns
// closed, then reads what close's caller wrote. Bad: a data race on it.
protocol rendezvous_seal_empty() {
  protocol p;
  p.name = "rendezvous: a sealed empty cell publishes the close (S4)";
  p.bad = "the party that finds the seal races what preceded close()";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {
      {"seal_empty", f, "if (c.word.compare_exchange_strong(w, make_word(p, sealed),", rel, rlx}};
  p.make = [](const orders& o) {
    program g;
    // word: 0 empty, 1 sealed.
    g.locs = {{"data", 0, 1}, {"closed", 0, 1}, {"word", 0, 1}};
    g.threads = {[o](thread_ctx& t) {
                   t.store(0, 1, na);           // the closer's caller, before close()
                   (void)t.exchange(1, 1, sc);  // K1 (then the cuts)
                   int e = 0;
                   t.assume(t.compare_exchange(2, e, 1, o.at("seal_empty"), rlx));
                 },
                 [](thread_ctx& t) {
                   t.assume(t.load(2, acq) == 1);  // blocking(): finds `sealed`, returns closed
                   (void)t.load(0, na);
                 }};
    g.bad = [](const outcome&) { return false; };  // a data race is bad by itself
    return g;
  };
  return p;
}

// closed() against another channel's answer (IRIW). A close's cut of S (K3) and a send on a
// second channel are independent writes; two threads each ask both channels, in opposite
// orders. One sees the close and not the value, the other the value and not the close: no
// single order of the two operations explains both, so the composition (and so each object,
// linearizability being local) is not linearizable. closed() is the rendezvous' load of S.
protocol rendezvous_closed() {
  protocol p;
  p.name = "rendezvous: closed() is linearizable (IRIW with another channel)";
  p.bad = "two threads see the close and a send in opposite orders";
  const std::string f = "csp/lock_free/rendezvous.hpp";
  p.sites = {{"closed", f, "bool closed() const noexcept {", sc, acq},
             {"K3", f, "const std::uint64_t before = counter.fetch_or(", sc, ar}};
  p.make = [](const orders& o) {
    program g;
    // cut: the cut bit of S. word: the other channel's position 0, published or not.
    g.locs = {{"cut", 0, 1}, {"word", 0, 1}};
    g.threads = {[o](thread_ctx& t) { (void)t.fetch_or(0, 1, o.at("K3")); },
                 [](thread_ctx& t) {
                   int e = 0;
                   t.assume(t.compare_exchange(1, e, 1, sc, rlx));  // the other channel's send
                 },
                 [o](thread_ctx& t) {
                   t.note("a_closed", t.load(0, o.at("closed")));
                   t.note("a_value", t.load(1, sc));  // try_recv's R1
                 },
                 [o](thread_ctx& t) {
                   t.note("b_value", t.load(1, sc));
                   t.note("b_closed", t.load(0, o.at("closed")));
                 }};
    g.bad = [](const outcome& r) {
      return r.at("a_closed") == 1 && r.at("a_value") == 0 && r.at("b_value") == 1 &&
             r.at("b_closed") == 0;
    };
    return g;
  };
  return p;
}

// ---- Part 3: what the double collect's seq_cst is not needed for -----------------------------

// One waiter and one try operation (rendezvous.hpp L1, L3; try_pair()'s D1, scan, D2): the try
// operation counts the waiter's announcement (D1 reads L3), misses its link in the scan, and
// D2 reads the same count — it answers `full` while a waiter it had counted waits. Each
// (L3, D1) pair of orders runs with its expected verdict: L3's release and D1's acquire are
// what forbid it, so the seq_cst on both (docs/memory_orders.md, "Not caught, kept") serves
// the collect's proof in S, not this outcome — and a litmus with one waiter cannot catch its
// weakening to acq_rel / acquire.
void one_waiter_collect() {
  struct pair_of_orders {
    order l3, d1;
    bool allowed;
  };
  for (const pair_of_orders& c : {pair_of_orders{sc, sc, false}, pair_of_orders{ar, acq, false},
                                  pair_of_orders{rel, acq, false}, pair_of_orders{rlx, acq, true},
                                  pair_of_orders{rel, rlx, true}}) {
    program g;
    g.locs = {{"word", 0, 1}, {"links", 0, 1}};
    g.threads = {[c](thread_ctx& t) {
                   int e = 0;
                   t.assume(t.compare_exchange(0, e, 1, sc, rlx));  // L1
                   (void)t.fetch_add(1, 1, c.l3);                   // L3
                 },
                 [c](thread_ctx& t) {
                   t.note("d1", t.load(1, c.d1));
                   t.note("scan", t.load(0, sc));
                   t.note("d2", t.load(1, sc));
                 }};
    g.bad = [](const outcome& r) {
      return r.at("d1") == 1 && r.at("scan") == 0 && r.at("d2") == 1;
    };
    const litmus::verdict v = litmus::check(g);
    report(v.allowed() == c.allowed && v.executions > 0,
           std::string("one waiter: L3 ") + name(c.l3) + ", D1 " + name(c.d1) +
               (c.allowed ? ": counted, then missed" : ": forbidden"),
           v);
  }
}

}  // namespace

int main() {
  std::printf("RC11 litmus checker (models/rc11.hpp)\n\nPart 1: classic litmus tests\n");
  for (const classic& c : classics()) {
    const litmus::verdict v = litmus::check(c.prog);
    const bool ok = v.allowed() == c.allowed && v.executions > 0;
    report(ok, c.name + (c.allowed ? ": allowed" : ": forbidden"), v);
  }
  std::printf("\nPart 2: csp's protocol steps, shipped and each site weakened\n");
  for (const protocol& p : {waiter_queue_dekker(),
                            waiter_queue_debt(),
                            ring_tail_hint(),
                            ring_head_hint(),
                            ring_watch(true),
                            ring_watch(false),
                            ring_size(),
                            ring_overflow_pop(),
                            rendezvous_link_close(false),
                            rendezvous_link_close(true),
                            rendezvous_watch_link(),
                            rendezvous_watch_free(),
                            rendezvous_watch_next(drawer::blocked),
                            rendezvous_watch_next(drawer::select),
                            rendezvous_watch_next(drawer::sweep),
                            rendezvous_cell_wait(cell_waiter::timed),
                            rendezvous_cell_wait(cell_waiter::timed_moved),
                            rendezvous_cell_wait(cell_waiter::untimed),
                            rendezvous_sweep(),
                            rendezvous_seal_collect(),
                            rendezvous_seal_empty(),
                            rendezvous_closed()}) {
    run(p);
  }
  std::printf("\nPart 3: what one waiter cannot show\n");
  one_waiter_collect();
  std::printf("\n%s\n", failures == 0 ? "all litmus tests gave their expected verdicts"
                                      : "SOME LITMUS TESTS FAILED");
  return failures == 0 ? 0 : 1;
}
