// models/once_model.cpp — both once implementations, and lazy<T> over each, under Relacy.
//
// Two-thread suites are searched exhaustively (every interleaving and every weak-memory
// outcome Relacy models); three-thread suites with a context bound of 3.
#include "csp/lock_free/once.hpp"
#include "csp/mutex_based/once.hpp"
#include "once_suites.hpp"

namespace {

using namespace csp::models;
using lf = csp::lock_free::basic_once<relacy_backend<>>;
using mb = csp::mutex_based::basic_once<relacy_backend<>>;

template <class Once>
void register_all(const std::string& impl) {
  add<once_model::publish<Once, 2>>("once.publish.2threads<" + impl + ">", search::full());
  add<once_model::lazy_publish<Once, 2>>("once.lazy.2threads<" + impl + ">", search::full());
  add<once_model::done_publishes<Once>>("once.done_publishes<" + impl + ">", search::full());
  add<once_model::retry_after_throw<Once, 2>>("once.retry_after_throw.2threads<" + impl + ">",
                                              search::full());
  add<once_model::publish<Once, 3>>("once.publish.3threads<" + impl + ">", search::bound(3));
  add<once_model::lazy_publish<Once, 3>>("once.lazy.3threads<" + impl + ">", search::bound(3));
  add<once_model::retry_after_throw<Once, 3>>("once.retry_after_throw.3threads<" + impl + ">",
                                              search::bound(3));
}

}  // namespace

int main(int argc, char** argv) {
  register_all<lf>("lock_free");
  register_all<mb>("mutex_based");
  return csp::models::main(argc, argv);
}
