// Go port: Go's own channel tests — test/chan/*.go and src/runtime/chan_test.go — translated to
// C++ and run over every channel implementation (crossbeam's tests/golang.rs did the same for
// Rust). Each test names the Go file and test it comes from.
//
// Goroutines become std::threads. Where that changes what a Go test can afford, the counts are
// scaled down and the test says so: an OS thread costs ~20 µs to start and a blocked hand-off
// costs a futex wake, where a goroutine costs ~1 µs and a scheduler switch. Go orders its tests
// with time.Sleep in places ("let the goroutine block"); here threads are ordered with latches
// and channels, and a wait that Go bounds by a sleep is a generous upper bound only.
//
// Go programs may end with goroutines blocked forever (an endless generator, a filter chain):
// process exit reaps them. A test must join its threads, so such programs run in a `scope`
// (below) that closes every channel they made and joins every goroutine when the test ends.
//
// The select tests of both sources are ported in select_goport_test.cpp. Not ported yet:
//   test/chan/            select8.go, powser2.go (powser1 with interfaces), and powser1.go's
//                         Mul / Exp / Recip (split and getn are selects); sieve2.go's sendproxy
//                         is a select (see Sieve2)
// Not ported because they test what has no C++ counterpart:
//   runtime/chan_test.go  TestNoShrinkStackWhileParking (GC stack shrinking races parking; the
//                         portable part is TestShrinkStackDuringBlockedSend, ported)
//   test/chan/            sendstmt.go sendprec (a Go parsing rule); select3.go's nil-channel
//                         cases (csp has no nil channel)
#include <gtest/gtest.h>

#include <algorithm>
#include <any>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <queue>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <csp/channel.hpp>

#include "channel_impls.hpp"
#include "sanitizer.hpp"

namespace {

using namespace std::chrono_literals;
using csp::status;

// Long enough never to expire on a loaded 2-core machine under TSan; a hang fails via CTest.
constexpr auto generous = 60s;

using csp_test::sanitized;

// Iteration counts: `n` in an optimized build, n / 10 under a sanitizer (10-50x slower).
constexpr int scaled(int n) {
  return sanitized ? std::max(1, n / 10) : n;
}

template <class Family, class T>
using chan = typename Family::template channel<T>;

// Go's `<-ch` inside a goroutine that must end when its world is torn down: the value, or
// `stopped` once the channel is closed (and drained).
struct stopped {};

template <class Ch>
auto take(const Ch& ch) {
  auto v = ch.recv();
  if (!v) throw stopped{};
  return std::move(*v);
}

template <class Ch>
void close_quietly(const Ch& ch) {
  try {
    ch.close();
  } catch (const csp::closed_channel_error&) {  // closed by its own program already
  }
}

// Goroutines that may never return on their own. Every channel such a program uses is made by
// make(); at the end the scope closes them all, so a blocked send throws closed_channel_error
// and a blocked take() throws `stopped`; the goroutine swallows either and returns, and the
// scope joins it. Goroutines may start goroutines and make channels while the scope ends: a
// channel made after the end began is closed at once, and a thread started then is joined too.
template <class Family>
class scope {
 public:
  scope() = default;
  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;
  ~scope() { shutdown(); }

  template <class T>
  chan<Family, T> make(std::size_t capacity = 0) {
    chan<Family, T> ch(capacity);
    std::lock_guard lk(m_);
    if (stopping_) {
      close_quietly(ch);
    } else {
      closers_.emplace_back([ch] { close_quietly(ch); });
    }
    return ch;
  }

  template <class F>
  void go(F f) {
    std::lock_guard lk(m_);
    threads_.emplace_back([f = std::move(f)]() mutable {
      try {
        f();
      } catch (const stopped&) {
      } catch (const csp::closed_channel_error&) {
      }
    });
  }

  void shutdown() {
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard lk(m_);
      stopping_ = true;
      closers.swap(closers_);
    }
    for (auto& c : closers) c();
    for (;;) {
      std::thread t;
      {
        std::lock_guard lk(m_);
        if (threads_.empty()) break;
        t = std::move(threads_.back());
        threads_.pop_back();
      }
      t.join();
    }
  }

 private:
  std::mutex m_;
  bool stopping_ = false;
  std::vector<std::function<void()>> closers_;
  std::vector<std::thread> threads_;
};

// Retries a non-blocking operation until it reports ok — Go's `for { select { case op: break;
// default: sleep() } }` — yielding instead of sleeping; the deadline is a hang guard only.
template <class Op>
bool until_ok(Op op) {
  const auto deadline = std::chrono::steady_clock::now() + generous;
  while (op() != status::ok) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

template <class Family>
class ChannelGoPort : public ::testing::Test {};
TYPED_TEST_SUITE(ChannelGoPort, csp_test::channel_impls<::testing::Types>);

// ---------------------------------------------------------------------------------------------
// test/chan/fifo.go

// test/chan/fifo.go AsynchFifo: a buffered channel delivers in the order sent.
TYPED_TEST(ChannelGoPort, FifoAsynch) {
  constexpr int n = 10;
  chan<TypeParam, int> ch(n);
  for (int i = 0; i < n; ++i) ch.send(i);
  for (int i = 0; i < n; ++i) EXPECT_EQ(ch.recv(), i);
}

// test/chan/fifo.go SynchFifo: a daisy chain of receivers, each waiting for its predecessor's
// token before receiving from one unbuffered channel, sees the sender's values in order.
TYPED_TEST(ChannelGoPort, FifoSynch) {
  constexpr int n = 10;
  using ch_t = chan<TypeParam, int>;
  ch_t ch;
  ch_t in;
  const ch_t start = in;
  std::vector<std::thread> chain;
  for (int i = 0; i < n; ++i) {
    ch_t out;
    chain.emplace_back([ch, val = i, in, out] {
      (void)in.recv();
      EXPECT_EQ(ch.recv(), val);
      out.send(1);
    });
    in = out;
  }
  start.send(0);
  for (int i = 0; i < n; ++i) ch.send(i);
  EXPECT_EQ(in.recv(), 1);
  for (auto& t : chain) t.join();
}

// ---------------------------------------------------------------------------------------------
// test/chan/goroutines.go

// test/chan/goroutines.go: many goroutines threaded together by unbuffered channels
// (`left <- <-right`); a value sent at the right end comes out at the left, and all of them are
// torn down cleanly. Go starts 10000 goroutines; 10000 OS threads is a resource test, not a
// channel test, so 1000 (100 under a sanitizer).
TYPED_TEST(ChannelGoPort, GoroutinesDaisyChain) {
  const int n = scaled(1000);
  using ch_t = chan<TypeParam, int>;
  const ch_t leftmost;
  ch_t left = leftmost;
  ch_t right = leftmost;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    right = ch_t();
    threads.emplace_back([left, right] { left.send(*right.recv()); });
    left = right;
  }
  threads.emplace_back([right] { right.send(1); });
  EXPECT_EQ(leftmost.recv(), 1);
  for (auto& t : threads) t.join();
}

// ---------------------------------------------------------------------------------------------
// test/chan/nonblock.go

// One round of nonblock.go's main loop for one element type: a non-blocking receive on a fresh
// channel finds nothing; a non-blocking send, retried, reaches a receiver goroutine; a
// non-blocking receive, retried, takes a sender goroutine's value. On an unbuffered channel a
// non-blocking operation succeeds only with a partner waiting, so the retries are what let the
// partner arrive (Go sleeps between them; this yields).
template <class Family, class T>
void nonblock_round(std::size_t buffer, const T& to_receiver, const T& from_sender) {
  SCOPED_TRACE(testing::Message() << "buffer=" << buffer);
  chan<Family, T> c(buffer);
  chan<Family, bool> sync;
  T got{};
  EXPECT_EQ(c.try_recv(got), status::empty);  // select { case <-c: panic; default: }

  std::thread receiver([&] {
    EXPECT_EQ(c.recv(), to_receiver);
    sync.send(true);
  });
  EXPECT_TRUE(until_ok([&] { return c.try_send(T(to_receiver)); }));
  EXPECT_EQ(sync.recv(), true);
  receiver.join();

  std::thread sender([&] {
    c.send(T(from_sender));
    sync.send(true);
  });
  if (buffer > 0) {
    EXPECT_EQ(sync.recv(), true);  // the value is buffered now
  }
  EXPECT_TRUE(until_ok([&] { return c.try_recv(got); }));
  EXPECT_EQ(got, from_sender);
  if (buffer == 0) {
    EXPECT_EQ(sync.recv(), true);
  }
  sender.join();
}

// test/chan/nonblock.go main: non-blocking send and receive, "several sizes and types of
// operands" (int32, int64, bool, string), unbuffered and with a buffer of 1.
TYPED_TEST(ChannelGoPort, Nonblock) {
  for (std::size_t buffer = 0; buffer < 2; ++buffer) {
    nonblock_round<TypeParam, std::int32_t>(buffer, 123, 234);
    nonblock_round<TypeParam, std::int64_t>(buffer, 123456, 234567);
    nonblock_round<TypeParam, bool>(buffer, true, true);
    nonblock_round<TypeParam, std::string>(buffer, "hello", "hello again");
  }
}

// ---------------------------------------------------------------------------------------------
// test/chan/sieve1.go

constexpr std::array<int, 25> primes_below_100 = {
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};

// test/chan/sieve1.go: the concurrent prime sieve — a generator and a daisy chain of filter
// goroutines over unbuffered channels — yields the primes below 100. Go leaves the endless
// generator and filters blocked at exit; here the scope closes their channels and joins them.
TYPED_TEST(ChannelGoPort, Sieve1) {
  scope<TypeParam> s;
  auto primes = s.template make<int>();
  s.go([&s, primes] {
    auto ch = s.template make<int>();
    s.go([ch] {  // Generate: 2, 3, 4, ...
      for (int i = 2;; ++i) ch.send(i);
    });
    for (;;) {
      const int prime = take(ch);
      primes.send(prime);
      auto ch1 = s.template make<int>();
      s.go([in = ch, out = ch1, prime] {  // Filter: drop the multiples of prime
        for (int i : in) {
          if (i % prime != 0) out.send(i);
        }
      });
      ch = ch1;
    }
  });
  for (int p : primes_below_100) ASSERT_EQ(primes.recv(), p);
}

// ---------------------------------------------------------------------------------------------
// test/chan/sieve2.go

// test/chan/sieve2.go: an Eratosthenes sieve over odd candidates. A merger goroutine keeps a
// heap of channels of the multiples of each prime fed back to it and streams the composites in
// increasing order; the sieve goroutine removes them from the odd numbers. Buffered channels
// of several capacities, one goroutine per prime's multiples, a feedback loop.
// Go wraps the feedback channel in `sendproxy`, an unbounded buffer built with select, so the
// sieve never blocks on the slower merger. Without select this port gives the feedback channel
// a buffer larger than the number of primes the test can ever produce (the sieve blocks on its
// capacity-10 output after ~36 primes), which is what the proxy guarantees.
TYPED_TEST(ChannelGoPort, Sieve2) {
  using ch_t = chan<TypeParam, int>;
  scope<TypeParam> s;

  const auto odds = [&s] {  // 5, 7, 9, ...
    auto out = s.template make<int>(50);
    s.go([out] {
      for (int n = 5;; n += 2) out.send(n);
    });
    return out;
  };
  const auto multiples = [&s](int p) {  // p*p, p*p + 2p, ...: the odd multiples from p*p
    auto out = s.template make<int>(10);
    s.go([out, p] {
      for (int n = p * p;; n += 2 * p) out.send(n);
    });
    return out;
  };

  auto out = s.template make<int>(10);
  out.send(2);
  out.send(3);
  auto composites = s.template make<int>(50);
  auto primes = s.template make<int>(1024);  // the feedback loop (Go: a sendproxy, see above)
  primes.send(3);

  // Merge the channels of multiples of `primes` into `composites`.
  s.go([=] {
    struct peek {
      int head;
      ch_t ch;
    };
    const auto later = [](const peek& a, const peek& b) { return a.head > b.head; };
    std::priority_queue<peek, std::vector<peek>, decltype(later)> h(later);
    const auto advance = [&h](int& min) {  // pop the smallest head, refill it, push it back
      peek p = h.top();
      h.pop();
      min = p.head;
      p.head = take(p.ch);
      h.push(std::move(p));
    };
    int min = 15;
    for (;;) {
      auto m = multiples(take(primes));
      const int head = take(m);
      while (min < head) {
        composites.send(min);
        advance(min);
      }
      while (min == head) advance(min);
      composites.send(head);
      h.push(peek{take(m), m});
    }
  });

  // Sieve the composites out of the candidates.
  s.go([=] {
    auto candidates = odds();
    int p = take(candidates);
    for (;;) {
      const int c = take(composites);
      while (p < c) {
        primes.send(p);
        out.send(p);
        p = take(candidates);
      }
      if (p == c) p = take(candidates);
    }
  });

  for (int p : primes_below_100) ASSERT_EQ(out.recv(), p);
}

// ---------------------------------------------------------------------------------------------
// test/chan/powser1.go

// powser1.go's rational numbers: den == 0 marks the end of a series (`finis`).
struct rat {
  std::int64_t num = 0;
  std::int64_t den = 1;
  friend bool operator==(const rat&, const rat&) = default;
  friend std::ostream& operator<<(std::ostream& os, const rat& r) {
    return os << r.num << '/' << r.den;
  }
};

std::int64_t gcd(std::int64_t u, std::int64_t v) {
  if (u < 0) return gcd(-u, v);
  if (u == 0) return v;
  return gcd(v % u, u);
}
rat i2tor(std::int64_t u, std::int64_t v) {
  const std::int64_t g = gcd(u, v);
  return v > 0 ? rat{u / g, v / g} : rat{-u / g, -v / g};
}
rat itor(std::int64_t u) {
  return i2tor(u, 1);
}
const rat zero = itor(0);
const rat one = itor(1);
const rat finis = i2tor(1, 0);
bool at_end(const rat& u) {
  return u.den == 0;
}
rat add(const rat& u, const rat& v) {
  const std::int64_t g = gcd(u.den, v.den);
  return i2tor(u.num * (v.den / g) + v.num * (u.den / g), u.den * (v.den / g));
}
rat mul(const rat& u, const rat& v) {
  const std::int64_t g1 = gcd(u.num, v.den);
  const std::int64_t g2 = gcd(u.den, v.num);
  return rat{(u.num / g1) * (v.num / g2), (u.den / g2) * (v.den / g1)};
}
rat neg(const rat& u) {
  return i2tor(-u.num, u.den);
}

// McIlroy's power series as demand channels (powser1.go): a series is a goroutine that sends
// its next coefficient on `dat` each time a consumer asks on `req`. Every operator is a
// goroutine reading its operands' series; all channels are unbuffered.
template <class Family>
class power_series {
 public:
  struct ps {
    chan<Family, int> req;
    chan<Family, rat> dat;
  };

  power_series() = default;

  rat get(const ps& in) {
    in.req.send(seqno_.fetch_add(1, std::memory_order_relaxed));  // Go: a racy global counter
    return take(in.dat);
  }

  ps rep(rat c) {  // c c c c ...
    ps z = make();
    s_.go([this, c, z] {
      for (;;) put(c, z);
    });
    return z;
  }

  ps sum(ps u, ps v) {  // Go's Add
    ps z = make();
    s_.go([this, u, v, z] {
      for (;;) {
        take(z.req);
        // Go's get2 asks both operands at once with a select; asking one after the other is
        // the same series and also works when u and v are one series (Add(Ones, Ones)).
        const rat a = get(u);
        const rat b = get(v);
        switch ((at_end(a) ? 1 : 0) + (at_end(b) ? 2 : 0)) {
          case 0: z.dat.send(add(a, b)); break;
          case 1:
            z.dat.send(b);
            copy(v, z);
            break;
          case 2:
            z.dat.send(a);
            copy(u, z);
            break;
          default: z.dat.send(finis);
        }
      }
    });
    return z;
  }

  ps cmul(rat c, ps u) {  // c * U
    ps z = make();
    s_.go([this, c, u, z] {
      for (;;) {
        take(z.req);
        const rat x = get(u);
        if (at_end(x)) break;
        z.dat.send(mul(c, x));
      }
      z.dat.send(finis);
    });
    return z;
  }

  ps sub(ps u, ps v) { return sum(u, cmul(neg(one), v)); }

  ps diff(ps u) {  // dU/dx
    ps z = make();
    s_.go([this, u, z] {
      take(z.req);
      if (!at_end(get(u))) {  // the constant term drops out
        for (std::int64_t i = 1;; ++i) {
          const rat x = get(u);
          if (at_end(x)) break;
          z.dat.send(mul(itor(i), x));
          take(z.req);
        }
      }
      z.dat.send(finis);
    });
    return z;
  }

  ps integ(rat c, ps u) {  // c + the integral of U
    ps z = make();
    s_.go([this, c, u, z] {
      put(c, z);
      for (std::int64_t i = 1;; ++i) {
        take(z.req);
        const rat x = get(u);
        if (at_end(x)) break;
        z.dat.send(mul(i2tor(1, i), x));
      }
      z.dat.send(finis);
    });
    return z;
  }

  ps mon_subst(ps u, rat c0, int n) {  // U(c0 * x^n)
    ps z = make();
    s_.go([this, u, c0, n, z] {
      rat c = one;
      for (;;) {
        take(z.req);
        const rat x = get(u);
        if (at_end(x)) break;
        z.dat.send(mul(x, c));
        c = mul(c, c0);
        for (int i = 1; i < n; ++i) {
          take(z.req);
          z.dat.send(zero);
        }
      }
      z.dat.send(finis);
    });
    return z;
  }

 private:
  ps make() { return ps{s_.template make<int>(), s_.template make<rat>()}; }
  void put(rat r, const ps& out) {
    take(out.req);
    out.dat.send(r);
  }
  void copy(const ps& in, const ps& out) {
    for (;;) {
      take(out.req);
      out.dat.send(get(in));
    }
  }

  std::atomic<int> seqno_{0};
  scope<Family> s_;  // last: its end joins the goroutines while the members they use live
};

// test/chan/powser1.go main (the test branch): power series as pipelines of demand-driven
// goroutines — Ones, Twos, Add, Diff, Integ, Cmul, Sub and arctan (Integ of MonSubst) give
// their known coefficients. Mul and Exp need powser1's split and getn, which are selects: they
// wait for select. Go checks Add and Sub with a count of 0 (nothing); this checks 5 terms.
TYPED_TEST(ChannelGoPort, Powser1) {
  power_series<TypeParam> p;
  const auto check = [&p](const auto& u, rat c, int count, const char* what) {
    for (int i = 0; i < count; ++i) EXPECT_EQ(p.get(u), c) << what << " term " << i;
  };
  const auto checka = [&p](const auto& u, const std::vector<rat>& a, const char* what) {
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(p.get(u), a[i]) << what << " term " << i;
  };
  constexpr int n = 10;
  std::vector<rat> a(n);

  const auto ones = p.rep(one);
  const auto twos = p.rep(itor(2));
  check(ones, one, 5, "Ones");
  check(p.sum(ones, ones), itor(2), 5, "Add Ones Ones");
  check(p.sum(ones, twos), itor(3), 5, "Add Ones Twos");

  for (int i = 0; i < n; ++i) a[static_cast<std::size_t>(i)] = itor(i + 1);
  checka(p.diff(ones), a, "Diff");  // 1 2 3 4 5 ...

  a[0] = zero;  // the integration constant
  for (int i = 1; i < n; ++i) a[static_cast<std::size_t>(i)] = i2tor(1, i);
  checka(p.integ(zero, ones), a, "Integ");  // 0 1 1/2 1/3 ...

  check(p.cmul(neg(one), twos), itor(-2), 10, "Cmul");
  check(p.sub(ones, twos), itor(-1), 5, "Sub Ones Twos");

  for (int i = 0, c = 1; i < n; ++i) {  // arctan: 0 1 0 -1/3 0 1/5 ...
    if (i % 2 == 0) {
      a[static_cast<std::size_t>(i)] = zero;
    } else {
      a[static_cast<std::size_t>(i)] = i2tor(c, i);
      c = -c;
    }
  }
  checka(p.integ(zero, p.mon_subst(ones, neg(one), 2)), a, "ATan");
}

// ---------------------------------------------------------------------------------------------
// test/chan/zerosize.go, sendstmt.go, perm.go, select3.go

// test/chan/zerosize.go: channels of zero-sized types ([0]byte, struct{}) can be made,
// unbuffered and buffered. Beyond Go's test, one value goes through each buffered one.
TYPED_TEST(ChannelGoPort, Zerosize) {
  struct empty {};
  using zero_bytes = std::array<std::byte, 0>;
  chan<TypeParam, zero_bytes> a;
  chan<TypeParam, zero_bytes> b(1);
  chan<TypeParam, empty> c;
  chan<TypeParam, empty> d(1);
  EXPECT_EQ(a.capacity(), 0U);
  EXPECT_EQ(c.capacity(), 0U);
  b.send(zero_bytes{});
  d.send(empty{});
  EXPECT_TRUE(b.recv().has_value());
  EXPECT_TRUE(d.recv().has_value());
}

// test/chan/sendstmt.go chanchan: `<-cc <- 2` — receive a channel from a channel of channels
// and send on it without blocking. The received handle is the channel that was sent.
TYPED_TEST(ChannelGoPort, SendStmtChanChan) {
  using inner_t = chan<TypeParam, int>;
  chan<TypeParam, inner_t> cc(1);
  const inner_t c(1);
  cc.send(c);
  const std::optional<inner_t> got = cc.recv();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == c);
  EXPECT_EQ(got->try_send(2), status::ok);  // select { case <-cc <- 2: default: panic }
  EXPECT_EQ(c.recv(), 2);
}

template <class C>
concept can_send = requires(const C& c) {
  c.send(0);
};
template <class C>
concept can_recv = requires(const C& c) {
  c.recv();
};
template <class C>
concept can_range = requires(const C& c) {
  c.begin();
};
template <class C>
concept can_close = requires(const C& c) {
  c.close();
};

// test/chan/perm.go (a compile-error test): the directions of `chan T`, `chan<- T` and
// `<-chan T` — a channel converts to both views; neither view converts back or to the other;
// a send-only view cannot receive or be ranged over; a receive-only view cannot send or close.
TYPED_TEST(ChannelGoPort, Perm) {
  using c_t = chan<TypeParam, int>;
  using cs_t = decltype(std::declval<const c_t&>().sender());
  using cr_t = decltype(std::declval<const c_t&>().receiver());
  static_assert(std::is_convertible_v<c_t, cr_t>);      // cr = c
  static_assert(std::is_convertible_v<c_t, cs_t>);      // cs = c
  static_assert(!std::is_constructible_v<c_t, cr_t>);   // c = cr: ERROR
  static_assert(!std::is_constructible_v<c_t, cs_t>);   // c = cs: ERROR
  static_assert(!std::is_constructible_v<cr_t, cs_t>);  // cr = cs: ERROR
  static_assert(!std::is_constructible_v<cs_t, cr_t>);  // cs = cr: ERROR
  static_assert(can_send<c_t> && can_recv<c_t> && can_range<c_t> && can_close<c_t>);
  static_assert(!can_send<cr_t> && can_recv<cr_t> && can_range<cr_t> && !can_close<cr_t>);
  static_assert(can_send<cs_t> && !can_recv<cs_t> && !can_range<cs_t> && can_close<cs_t>);

  const c_t c(1);  // and the allowed operations do what they say
  const cs_t cs = c;
  const cr_t cr = c;
  cs.send(7);
  EXPECT_EQ(cr.recv(), 7);
  cs.close();
  EXPECT_TRUE(cr.closed());
}

// test/chan/select3.go, the cases without select (nil channels aside: csp has none): receiving
// from a closed channel never blocks and yields nothing, ten times over; sending to a closed
// channel panics (throws); sending to a buffered channel with room never blocks; receiving
// from a channel nobody sends on blocks (a timed receive times out).
TYPED_TEST(ChannelGoPort, Select3PlainOperations) {
  const chan<TypeParam, int> closedch;
  closedch.close();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(closedch.recv(), std::nullopt);
  EXPECT_THROW(closedch.send(7), csp::closed_channel_error);

  const chan<TypeParam, int> async(1);
  async.send(7);
  EXPECT_EQ(async.size(), 1U);

  const chan<TypeParam, int> ch;
  int out = 0;
  EXPECT_EQ(ch.try_recv_for(out, 10ms), status::timeout);
}

// ---------------------------------------------------------------------------------------------
// src/runtime/chan_test.go

// runtime/chan_test.go TestChan: for each capacity — a receive from an empty channel blocks
// and a non-blocking one does not; a send to a full channel blocks and a non-blocking one does
// not; a closed channel yields its buffered values, then nothing; close unblocks a receiver;
// 100 values arrive in FIFO order; 4 senders x 1000 values reach 4 receivers exactly once;
// len and cap. Go runs capacities 0..199 (0..19 with -short); so does this (0..19 under a
// sanitizer), starting 14 threads for each. Go's sleeps ("make sure the goroutine blocked") become
// latches: the checks that a blocked operation has not completed stay valid, they only may run
// before the thread blocks.
TYPED_TEST(ChannelGoPort, RuntimeTestChan) {
  using ch_t = chan<TypeParam, int>;
  const int n = scaled(200);
  for (int cap = 0; cap < n; ++cap) {
    SCOPED_TRACE(testing::Message() << "chan[" << cap << "]");
    const auto ucap = static_cast<std::size_t>(cap);
    {  // Receive from an empty channel blocks.
      const ch_t c(ucap);
      std::atomic<bool> recv1{false};
      std::atomic<bool> recv2{false};
      std::latch started(2);
      std::thread r1([&] {
        started.count_down();
        (void)c.recv();
        recv1 = true;
      });
      std::thread r2([&] {
        started.count_down();
        int v = 0;
        (void)c.try_recv_for(v, 2 * generous);
        recv2 = true;
      });
      started.wait();
      EXPECT_FALSE(recv1 || recv2) << "receive from empty chan";
      int v = 0;
      EXPECT_EQ(c.try_recv(v), status::empty);  // a non-blocking receive does not block
      EXPECT_EQ(c.try_recv(v), status::empty);
      c.send(0);
      c.send(0);
      r1.join();
      r2.join();
      EXPECT_TRUE(recv1 && recv2);
    }
    {  // Send to a full channel blocks.
      const ch_t c(ucap);
      for (int i = 0; i < cap; ++i) c.send(i);
      std::atomic<bool> sent{false};
      std::latch started(1);
      std::thread s([&] {
        started.count_down();
        c.send(0);
        sent = true;
      });
      started.wait();
      EXPECT_FALSE(sent) << "send to full chan";
      EXPECT_EQ(c.try_send(0), status::full);  // a non-blocking send does not block
      (void)c.recv();
      s.join();
      EXPECT_TRUE(sent);
    }
    {  // A closed channel yields its buffered values, then nothing.
      const ch_t c(ucap);
      for (int i = 0; i < cap; ++i) c.send(i);
      c.close();
      for (int i = 0; i < cap; ++i) EXPECT_EQ(c.recv(), i);
      EXPECT_EQ(c.recv(), std::nullopt);
      int v = 0;
      EXPECT_EQ(c.try_recv(v), status::closed);
    }
    {  // close unblocks a receiver.
      const ch_t c(ucap);
      const chan<TypeParam, bool> done;
      std::latch started(1);
      std::thread r([&] {
        started.count_down();
        done.send(!c.recv().has_value());
      });
      started.wait();
      c.close();
      EXPECT_EQ(done.recv(), true) << "received a value from closed chan";
      r.join();
    }
    {  // 100 values arrive uncorrupted, in FIFO order; then again with a timed receive (Go's
       // second round uses `v, ok := <-c`).
      const ch_t c(ucap);
      std::thread s1([&] {
        for (int i = 0; i < 100; ++i) c.send(i);
      });
      for (int i = 0; i < 100; ++i) EXPECT_EQ(c.recv(), i);
      s1.join();
      std::thread s2([&] {
        for (int i = 0; i < 100; ++i) c.send(i);
      });
      for (int i = 0; i < 100; ++i) {
        int v = -1;
        EXPECT_EQ(c.try_recv_for(v, generous), status::ok);
        EXPECT_EQ(v, i);
      }
      s2.join();

      // 4 senders send 0..999 each; 4 receivers take 1000 each; every value arrives 4 times.
      constexpr int p = 4;
      constexpr int l = 1000;
      const chan<TypeParam, std::map<int, int>> done;
      std::vector<std::thread> threads;
      for (int k = 0; k < p; ++k) {
        threads.emplace_back([&] {
          for (int i = 0; i < l; ++i) c.send(i);
        });
        threads.emplace_back([&] {
          std::map<int, int> recv;
          for (int i = 0; i < l; ++i) ++recv[*c.recv()];
          done.send(std::move(recv));
        });
      }
      std::map<int, int> recv;
      for (int k = 0; k < p; ++k) {
        const std::optional<std::map<int, int>> part = done.recv();
        for (const auto& [value, count] : *part) recv[value] += count;
      }
      for (auto& t : threads) t.join();
      EXPECT_EQ(recv.size(), static_cast<std::size_t>(l));
      EXPECT_TRUE(
          std::all_of(recv.begin(), recv.end(), [](const auto& e) { return e.second == p; }))
          << "a value was not received exactly " << p << " times";
    }
    {  // len and cap.
      const ch_t c(ucap);
      EXPECT_EQ(c.size(), 0U);
      EXPECT_EQ(c.capacity(), ucap);
      for (int i = 0; i < cap; ++i) c.send(i);
      EXPECT_EQ(c.size(), ucap);
      EXPECT_EQ(c.capacity(), ucap);
    }
  }
}

// runtime/chan_test.go TestNonblockRecvRace: a non-blocking receive racing with close() and a
// blocking receive on a channel that holds a value never reports "not ready": it gets the
// value (ok) or finds the channel closed and drained (closed), never empty. Go runs 10000
// rounds (100 with -short), each on a new goroutine; so does this (1000 under a sanitizer),
// each on a new thread.
TYPED_TEST(ChannelGoPort, RuntimeNonblockRecvRace) {
  const int n = scaled(10000);
  int not_ready = 0;
  for (int i = 0; i < n; ++i) {
    const chan<TypeParam, int> c(1);
    c.send(1);
    status seen = status::ok;
    std::thread g([&] {
      int v = 0;
      seen = c.try_recv(v);
    });
    c.close();
    (void)c.recv();
    g.join();
    if (seen != status::ok && seen != status::closed) ++not_ready;
  }
  EXPECT_EQ(not_ready, 0) << "a non-blocking receive found a ready channel not ready";
}

// runtime/chan_test.go TestSelectStress, its half without select: 4 goroutines send N values
// on each of four channels (capacities 0, 0, 2, 3) while 4 goroutines receive N from each; no
// deadlock, nothing lost. Go also runs one goroutine sending and one receiving on all four in
// a single select; that half waits for select. N is Go's 10^5 (10^4 under a sanitizer).
TYPED_TEST(ChannelGoPort, RuntimeSelectStressWithoutSelect) {
  const int n = scaled(100000);
  const std::array<chan<TypeParam, int>, 4> c = {chan<TypeParam, int>(0), chan<TypeParam, int>(0),
                                                 chan<TypeParam, int>(2), chan<TypeParam, int>(3)};
  std::array<std::atomic<int>, 4> received{};
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < c.size(); ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < n; ++i) c[k].send(i);
    });
    threads.emplace_back([&, k] {
      for (int i = 0; i < n; ++i) {
        if (c[k].recv().has_value()) received[k].fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t k = 0; k < c.size(); ++k) {
    EXPECT_EQ(received[k].load(), n) << "channel " << k;
    EXPECT_EQ(c[k].size(), 0U);
  }
}

// runtime/chan_test.go TestChanSendInterface: interface values (Go's `chan any`, here
// std::any) go through a channel; a non-blocking send to a full channel does not block. (Go's
// second select, with two send cases, waits for select.)
TYPED_TEST(ChannelGoPort, RuntimeChanSendInterface) {
  struct mt {};
  mt m;
  const chan<TypeParam, std::any> c(1);
  c.send(&m);
  EXPECT_EQ(c.try_send(&m), status::full);
  const std::optional<std::any> got = c.recv();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(std::any_cast<mt*>(*got), &m);
}

// runtime/chan_test.go TestMultiConsumer: 23 workers range over a work channel and forward
// every value to a result channel; a feeder closes the work channel, waits for the workers,
// then closes the results; the consumer sees every value once (count and sum). Go's
// runtime.Gosched becomes std::this_thread::yield. Go's 271828 values; 27182 under a
// sanitizer.
TYPED_TEST(ChannelGoPort, RuntimeMultiConsumer) {
  constexpr int nwork = 23;
  const int niter = scaled(271828);
  constexpr std::array<int, 10> pn = {2, 3, 7, 11, 13, 17, 19, 23, 27, 31};

  const chan<TypeParam, int> q(nwork * 3);
  const chan<TypeParam, int> r(nwork * 3);

  std::vector<std::thread> workers;
  for (int w = 0; w < nwork; ++w) {
    workers.emplace_back([&, w] {
      for (int v : q) {
        if (pn[static_cast<std::size_t>(w) % pn.size()] == v) {
          std::this_thread::yield();  // mess with the fifo-ish nature of range
        }
        r.send(v);
      }
    });
  }

  std::int64_t expect = 0;
  std::thread feeder([&] {
    for (int i = 0; i < niter; ++i) {
      const int v = pn[static_cast<std::size_t>(i) % pn.size()];
      expect += v;
      q.send(v);
    }
    q.close();                         // no more work
    for (auto& w : workers) w.join();  // workers done
    r.close();                         // ... so there can be no more results
  });

  int n = 0;
  std::int64_t s = 0;
  for (int v : r) {
    ++n;
    s += v;
  }
  feeder.join();
  EXPECT_EQ(n, niter);
  EXPECT_EQ(s, expect);
}

// Uses stack briefly, and checks nobody wrote into it meanwhile: a blocked channel operation's
// waiter record lives on its thread's stack, so a channel that touched a finished waiter would
// corrupt this.
int stack_growth(int depth) {
  std::array<volatile unsigned char, 512> frame{};
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<unsigned char>(i + 1);
  const int deeper = depth > 0 ? stack_growth(depth - 1) : 0;
  int corrupt = 0;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    if (frame[i] != static_cast<unsigned char>(i + 1)) ++corrupt;
  }
  return deeper + corrupt;
}

// runtime/chan_test.go TestShrinkStackDuringBlockedSend: channel operations keep working when
// the sender reuses its stack between blocking sends. Go triggers a GC to shrink the blocked
// sender's stack; C++ stacks do not move, but a csp waiter is on the sender's stack, so the
// sender scribbling over that stack after each send completes checks that the channel is done
// with it. Go's sleep (to let the sender block) is dropped: the receive order is the check.
TYPED_TEST(ChannelGoPort, RuntimeShrinkStackDuringBlockedSend) {
  constexpr int n = 10;
  const chan<TypeParam, int> c;
  const chan<TypeParam, int> done;
  std::thread sender([&] {
    int corrupt = 0;
    for (int i = 0; i < n; ++i) {
      c.send(i);
      corrupt += stack_growth(20);
    }
    done.send(corrupt);
  });
  for (int i = 0; i < n; ++i) EXPECT_EQ(c.recv(), i) << "bad channel read";
  EXPECT_EQ(done.recv(), 0) << "the sender's stack changed under it";
  sender.join();
}

}  // namespace
