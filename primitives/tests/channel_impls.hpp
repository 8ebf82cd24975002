// The channel implementations every channel test, property and benchmark runs over.
//
// A channel is a template over its element type, so typed suites are instantiated over
// implementation *families*: `typename TypeParam::template channel<T>`. Adding a family to
// `channel_impls` runs the whole harness (conformance, Go port, stress, properties, benchmarks)
// over it unchanged. No GoogleTest here: benchmarks include this too.
//
//   TYPED_TEST_SUITE(ChannelTest, csp_test::channel_impls<::testing::Types>);
#pragma once

#include "csp/channel.hpp"

namespace csp_test {

struct lock_free {
  template <class T>
  using channel = csp::lock_free::channel<T>;
  static constexpr const char* name = "lock_free";
};

struct mutex_based {
  template <class T>
  using channel = csp::mutex_based::channel<T>;
  static constexpr const char* name = "mutex_based";
};

template <template <class...> class List>
using channel_impls = List<lock_free, mutex_based>;

// The family that is not `Family`: for selects that mix the two implementations (and Go's nil
// channels in select5.go).
template <class Family>
struct other_family;
template <>
struct other_family<lock_free> {
  using type = mutex_based;
};
template <>
struct other_family<mutex_based> {
  using type = lock_free;
};
template <class Family>
using other = typename other_family<Family>::type;

}  // namespace csp_test
