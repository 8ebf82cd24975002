// proptests/channel_scenarios.hpp — concurrent channel scenarios on real threads, recorded as
// histories and checked for linearizability.
//
// A scenario is a capacity and, per thread, a short list of operations. One run starts a
// thread per list behind a yielding barrier (a blocking latch staggers the starts; a busy
// spin starves a 2-core machine), has each thread stamp every operation from one shared atomic
// counter just before the call and just after the return, and hands the history to
// check_linearizable. Every value sent is distinct (sent_value), so a received value names its
// send and the checker has no choices to make about which send it was.
//
// Termination without sleeps deciding anything. Generated scenarios can deadlock (two threads
// that both receive, say). The controlling thread is a watchdog: when the stamp counter has
// not moved for two of its periods while every unfinished thread is inside a send or recv, it
// closes the channel — once — and records that close as an operation of its own ("wd"). A
// close wakes every blocked send and recv of a correct channel, so every run ends. If the
// watchdog fires too early (a thread was merely descheduled) the history is still a valid one,
// only a less interesting one: timing affects coverage, never a verdict. If nothing moves for
// stuck_limit after that close, the channel has lost a wake-up: the runner prints the scenario
// and the partial history and aborts (the threads cannot be joined); likewise if an operation
// that cannot wait never returns.
//
// The shared stamp counter is a seq_cst read-modify-write around every operation, so it adds
// synchronization between the threads; memory-order bugs are Relacy's and TSan's to find.
// This harness judges what the operations answer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "linearizability.hpp"
#include "sanitizer.hpp"

namespace csp_test {

// Under TSan or ASan (either compiler's way of saying so: sanitizer.hpp), threads are slower:
// fewer runs, a longer watchdog.
inline constexpr bool under_sanitizer = sanitized;

struct scenario {
  std::size_t capacity = 0;
  std::vector<std::vector<op_kind>> threads;
};

// "capacity 1; t0: send(100) recv(); t1: close()".
inline std::string describe(const scenario& s) {
  std::string out = detail::cat("capacity ", std::to_string(s.capacity));
  for (std::size_t t = 0; t < s.threads.size(); ++t) {
    out += detail::cat("; t", std::to_string(t), ":");
    for (std::size_t i = 0; i < s.threads[t].size(); ++i) {
      const op_kind k = s.threads[t][i];
      out += ' ';
      out += to_string(k);
      out += is_send(k) ? detail::cat("(", std::to_string(sent_value(t, i)), ")") : "()";
    }
  }
  return out;
}

struct run_config {
  // The watchdog's period. Sanitized threads are slower to reach their waits.
  std::chrono::microseconds poll{under_sanitizer ? 400 : 100};
  // No progress this long after the watchdog's close is a liveness failure.
  std::chrono::seconds stuck_limit{under_sanitizer ? 60 : 20};
};

struct run_stats {
  std::size_t runs = 0;
  std::size_t watchdog_closes = 0;
  std::size_t distinct = 0;  // distinct histories, summed over scenarios
  std::size_t search_steps = 0;
};

namespace detail {

// Random busy delays at the start and between operations. Operations take ~100 ns and the
// threads leave the barrier microseconds apart, so without them one thread would run its
// whole list before the next starts and most runs would record the same history. They shape
// which interleavings are tried; no verdict depends on them.
class jitter {
 public:
  jitter(std::uint64_t seed, std::size_t thread) noexcept
      : state_((seed + 1) * 0x9E3779B97F4A7C15ULL ^ (thread + 1) * 0xBF58476D1CE4E5B9ULL) {}

  // Delays up to a random scale, so both near-simultaneous and well-separated operations occur.
  void start() noexcept { spin(next() % (std::uint64_t{16} << next() % 8)); }
  void between() noexcept {
    const std::uint64_t r = next();
    if (r % 8 == 0) {
      std::this_thread::yield();  // lets a third thread in on a 2-core machine
    } else if (r % 2 == 0) {
      spin(next() % (std::uint64_t{16} << (r >> 8) % 6));
    }
  }

 private:
  std::uint64_t next() noexcept {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  static void spin(std::uint64_t iterations) noexcept {
    std::atomic<std::uint64_t> sink{0};  // an atomic, so the loop is not optimized away
    for (std::uint64_t i = 0; i < iterations; ++i) sink.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t state_;
};

[[noreturn]] inline void stuck(const scenario& s, const history& partial,
                               const std::vector<std::string>& pending,
                               std::chrono::seconds limit) {
  std::string msg =
      detail::cat("LIVENESS FAILURE: nothing returned for ", std::to_string(limit.count()), " s",
                  " (a watchdog close, if any, is in the history below); these"
                  " operations never returned:\n");
  for (const std::string& p : pending) msg += detail::cat("  ", p, '\n');
  msg += detail::cat("scenario: ", describe(s), '\n');
  msg += detail::cat("operations that returned:\n", describe(partial, check_linearizable(partial)));
  std::fputs(msg.c_str(), stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace detail

// Runs `s` once on real threads and returns its history (see the file comment).
template <class Channel>
history run_scenario(const scenario& s, std::uint64_t seed, const run_config& cfg = {},
                     run_stats* stats = nullptr) {
  enum : int { running, waiting, finished };  // a thread's phase, as the watchdog sees it
  struct lane {
    std::vector<op_record> ops;  // sized up front; written only by the lane's thread
    std::atomic<std::size_t> completed{0};
    std::atomic<int> phase{running};
  };

  const Channel ch(s.capacity);
  const std::size_t n = s.threads.size();
  std::vector<lane> lanes(n);
  for (std::size_t t = 0; t < n; ++t) lanes[t].ops.resize(s.threads[t].size());
  std::atomic<std::uint64_t> clock{0};
  std::atomic<std::size_t> arrived{0};
  std::mutex m;  // only for the end of a thread: wakes the watchdog, orders no operation
  std::condition_variable cv;
  std::size_t done = 0;

  const auto body = [&](std::size_t t) {
    detail::jitter jit(seed, t);
    arrived.fetch_add(1);
    while (arrived.load() < n) std::this_thread::yield();
    jit.start();
    lane& me = lanes[t];
    for (std::size_t i = 0; i < s.threads[t].size(); ++i) {
      jit.between();
      op_record& r = me.ops[i];
      r.kind = s.threads[t][i];
      r.thread = static_cast<std::uint8_t>(t);
      r.arg = is_send(r.kind) ? sent_value(t, i) : 0;
      if (may_block(r.kind)) me.phase.store(waiting);
      r.call = clock.fetch_add(1);
      r.out = perform(ch, r.kind, r.arg);
      r.ret = clock.fetch_add(1);
      me.phase.store(running);
      me.completed.store(i + 1);  // publishes ops[i] to a stuck report
    }
    me.phase.store(finished);
    const std::lock_guard<std::mutex> lk(m);
    ++done;
    cv.notify_one();
  };

  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t t = 0; t < n; ++t) threads.emplace_back(body, t);

  std::optional<op_record> wd;
  // What returned so far (each lane publishes its count of finished operations) and what did
  // not; never returns.
  const auto report_stuck = [&] {
    history partial;
    partial.capacity = s.capacity;
    std::vector<std::string> pending;
    for (std::size_t t = 0; t < n; ++t) {
      const std::size_t c = lanes[t].completed.load();
      for (std::size_t i = 0; i < c; ++i) partial.add(lanes[t].ops[i]);
      if (c < s.threads[t].size()) {
        pending.push_back(detail::cat("t", std::to_string(t), " ", to_string(s.threads[t][c])));
      }
    }
    if (wd) partial.add(*wd);
    detail::stuck(s, partial, pending, cfg.stuck_limit);
  };
  {
    std::unique_lock<std::mutex> lk(m);
    std::uint64_t seen = clock.load();
    auto last_move = std::chrono::steady_clock::now();
    int quiet = 0;
    while (!cv.wait_for(lk, cfg.poll, [&] { return done == n; })) {
      const std::uint64_t now = clock.load();
      bool all_wait = true;
      for (const lane& l : lanes) all_wait = all_wait && l.phase.load() != running;
      if (now != seen) {
        seen = now;
        quiet = 0;
        last_move = std::chrono::steady_clock::now();
        continue;
      }
      if (std::chrono::steady_clock::now() - last_move > cfg.stuck_limit) report_stuck();
      if (!all_wait) {
        quiet = 0;
        continue;
      }
      if (++quiet < 2 || wd) continue;
      lk.unlock();  // a woken thread must be able to finish while we record
      op_record r{op_kind::close, op_record::watchdog};
      r.call = clock.fetch_add(1);
      r.out = perform(ch, op_kind::close, 0);
      r.ret = clock.fetch_add(1);
      wd = r;
      lk.lock();
    }
  }
  for (std::thread& th : threads) th.join();

  history h;
  h.capacity = s.capacity;
  for (const lane& l : lanes) {
    for (const op_record& r : l.ops) h.add(r);
  }
  if (wd) h.add(*wd);
  if (stats != nullptr) {
    ++stats->runs;
    if (wd) ++stats->watchdog_closes;
  }
  return h;
}

// Runs `s` `runs` times on `Impl::channel<int>` and checks every history. Returns the report of
// the first one that is not linearizable: the scenario, the run, and describe()'s account.
template <class Impl>
std::optional<std::string> find_violation(const scenario& s, std::size_t runs, run_stats& stats,
                                          const run_config& cfg = {}) {
  using channel = typename Impl::template channel<int>;
  std::vector<std::uint64_t> seen;
  seen.reserve(runs);
  std::optional<std::string> failure;
  for (std::size_t r = 0; r < runs && !failure; ++r) {
    const history h = run_scenario<channel>(s, r, cfg, &stats);
    const verdict v = check_linearizable(h);
    stats.search_steps += v.steps;
    seen.push_back(h.hash());
    if (!v.linearizable) {
      failure = detail::cat("scenario: ", describe(s), "\nrun ", std::to_string(r + 1), " of ",
                            std::to_string(runs), ", ", describe(h, v));
    }
  }
  std::sort(seen.begin(), seen.end());
  stats.distinct += static_cast<std::size_t>(std::unique(seen.begin(), seen.end()) - seen.begin());
  return failure;
}

}  // namespace csp_test
