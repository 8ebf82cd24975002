// models/channel_model.cpp — every channel implementation under Relacy, at capacities 0, 1, 2.
//
// Two-thread suites: full search everywhere. Three- and four-thread suites: as deep as each
// implementation's state space allows in a few seconds (the mutex-based channel's three-thread
// spaces are small enough for a full search; four threads get a context bound of 3).
#include "channel_suites.hpp"
#include "csp/mutex_based/channel.hpp"

namespace {

using namespace csp::models;

template <template <class, class> class Channel>
void register_all(const std::string& impl, search three_threads, search four_threads) {
  using ch = Channel<int, relacy_backend<>>;
  const auto name = [&](const std::string& suite, std::size_t cap) {
    return "chan." + suite + ".cap" + std::to_string(cap) + "<" + impl + ">";
  };
  add<chan::spsc<ch, 0>>(name("spsc", 0), search::full());
  add<chan::spsc<ch, 1>>(name("spsc", 1), search::full());
  add<chan::spsc<ch, 2>>(name("spsc", 2), search::full());
  add<chan::blocked_sender_at_close<ch, 0>>(name("blocked_sender_at_close", 0), search::full());
  add<chan::blocked_sender_at_close<ch, 1>>(name("blocked_sender_at_close", 1), search::full());
  add<chan::blocked_receiver_at_close<ch, 0>>(name("blocked_receiver_at_close", 0), search::full());
  add<chan::blocked_receiver_at_close<ch, 2>>(name("blocked_receiver_at_close", 2), search::full());
  add<chan::unbuffered_reverse_edge<ch>>(name("unbuffered_reverse_edge", 0), search::full());
  add<chan::capacity_edge<ch>>(name("capacity_edge", 1), search::full());
  add<chan::timed_race<ch, 0>>(name("timed_race", 0), search::full());
  add<chan::timed_race<ch, 1>>(name("timed_race", 1), search::full());
  add<chan::mpsc<ch, 0>>(name("mpsc", 0), three_threads);
  add<chan::mpsc<ch, 1>>(name("mpsc", 1), three_threads);
  add<chan::mpsc<ch, 2>>(name("mpsc", 2), three_threads);
  add<chan::close_race<ch, 0>>(name("close_race", 0), three_threads);
  add<chan::close_race<ch, 1>>(name("close_race", 1), three_threads);
  add<chan::close_race<ch, 2>>(name("close_race", 2), three_threads);
  add<chan::two_blocked_receivers<ch, 0>>(name("two_blocked_receivers", 0), three_threads);
  add<chan::mpmc<ch, 0>>(name("mpmc", 0), four_threads);
  add<chan::mpmc<ch, 1>>(name("mpmc", 1), four_threads);
  add<chan::mpmc<ch, 2>>(name("mpmc", 2), four_threads);
  // The random scheduler also explores spurious condition-variable wake-ups and schedules the
  // fair systematic searches prune; a second look at the busiest suites.
  add<chan::two_blocked_receivers<ch, 0>>(name("two_blocked_receivers", 0) + " random",
                                          search::random(200000));
  add<chan::mpmc<ch, 0>>(name("mpmc", 0) + " random", search::random(200000));
  add<chan::mpmc<ch, 1>>(name("mpmc", 1) + " random", search::random(200000));
}

}  // namespace

int main(int argc, char** argv) {
  register_all<csp::mutex_based::channel>("mutex_based", search::full(), search::bound(3));
  return csp::models::main(argc, argv);
}
