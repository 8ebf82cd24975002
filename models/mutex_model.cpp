// models/mutex_model.cpp — both mutex implementations under Relacy.
//
// Two-thread suites are searched exhaustively; the three-thread suites (two threads parked at
// once, the case the three states exist for) with a context bound of 3.
#include "csp/lock_free/mutex.hpp"
#include "csp/mutex_based/mutex.hpp"
#include "mutex_suites.hpp"

namespace {

using namespace csp::models;
using lf = csp::lock_free::basic_mutex<relacy_backend<>>;
// No spin before parking. Relacy's yield (the spin's pause) lets the owner run its next step,
// so with one short critical section per thread a spinning locker always finds the lock free:
// without the spin, every lock() that finds it taken parks, and the wake-up path is explored.
using lf_park = csp::lock_free::basic_mutex<relacy_backend<void, 0>>;
using mb = csp::mutex_based::basic_mutex<relacy_backend<>>;

template <class M>
void register_all(const std::string& impl, bool three_rounds) {
  add<mutex_model::exclusion<M, 2, 1>>("mutex.exclusion.2threads<" + impl + ">", search::full());
  add<mutex_model::exclusion<M, 2, 2>>("mutex.exclusion.2threads.2rounds<" + impl + ">",
                                       search::full());
  add<mutex_model::try_lock<M>>("mutex.try_lock<" + impl + ">", search::full());
  add<mutex_model::exclusion<M, 3, 1>>("mutex.exclusion.3threads<" + impl + ">", search::bound(3));
  add<mutex_model::exclusion<M, 3, 2>>("mutex.exclusion.3threads.2rounds<" + impl + ">",
                                       search::bound(3));
  if (three_rounds) {  // 1.8 M schedules with the spin; 15 M (30 s) without
    add<mutex_model::exclusion<M, 2, 3>>("mutex.exclusion.2threads.3rounds<" + impl + ">",
                                         search::full());
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all<lf>("lock_free", true);
  register_all<lf_park>("lock_free,no_spin", false);
  register_all<mb>("mutex_based", true);
  return csp::models::main(argc, argv);
}
